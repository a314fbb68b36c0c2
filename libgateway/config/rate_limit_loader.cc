#include "libgateway/config/rate_limit_loader.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "libgateway/config/config_loader.h"
#include "libgateway/config/field_checks.h"
#include "libgateway/http/host_port.h"
#include "libgateway/ratelimit/limit_script.h"

namespace gateway {

namespace {

std::optional<RateLimitPolicy> loadPolicy(const nlohmann::json& v, const std::string& path, std::string name,
                                          LimitKey defaultKey, bool defaultCluster, FieldErrors& errors) {
  static const std::vector<std::string_view> kAlgorithms = {
      "token_bucket", "leaky_bucket", "fixed_window", "sliding_log", "sliding_counter", "gcra", "concurrency"};
  static const std::vector<std::string_view> kKeys = {"consumer", "api_key", "client_address", "header", "route"};
  JsonReader r(v, path, errors);
  if (!r.isObject()) return std::nullopt;
  RateLimitPolicy p;
  p.name = std::move(name);
  p.key = defaultKey;
  p.cluster = defaultCluster;
  bool ok = true;
  const auto algo = r.choice("algorithm", kAlgorithms, true);
  if (algo) p.spec.algorithm = *parseLimiterAlgorithm(*algo);
  else ok = false;
  const bool rate = algo && usesRate(p.spec.algorithm);
  const bool window = algo && usesWindow(p.spec.algorithm);
  const bool conc = algo && p.spec.algorithm == LimiterAlgorithm::kConcurrency;
  // Rate algorithms take rate + burst, or limit + window_ms ("100 per minute"), which becomes
  // rate = limit / window (rounded to 0.001 req/s) and burst = limit unless burst is given.
  // That lets one spec be compared across every algorithm (gwsim compare --vary algorithm=...).
  const bool windowForm = rate && !r.has("rate") && r.has("limit");
  if (auto x = r.number("rate", 0.001, 1e9, rate && !windowForm)) {
    if (!rate && algo) errors.add(r.pathOf("rate"), fmt::format("{} does not use rate (it takes limit{})", *algo, window ? " and window_ms" : ""));
    const double milli = std::round(*x * 1000.0);
    if (std::fabs(milli - *x * 1000.0) > 1e-6) errors.add(r.pathOf("rate"), "at most 3 decimals (requests per second)");
    p.spec.rateMilli = static_cast<std::int64_t>(milli);
  } else if (rate && !windowForm) {
    ok = false;
  }
  if (auto x = r.integer("burst", 1, 1'000'000'000, rate && !windowForm)) {
    if (!rate && algo) errors.add(r.pathOf("burst"), fmt::format("{} does not use burst", *algo));
    p.spec.burst = *x;
  } else if (rate && !windowForm) {
    ok = false;
  }
  if (auto x = r.integer("limit", 1, 1'000'000'000, window || conc)) {
    if (rate && !windowForm) errors.add(r.pathOf("limit"), fmt::format("give either rate and burst or limit and window_ms, not both"));
    p.spec.limit = *x;
  } else if (window || conc || windowForm) {
    ok = false;
  }
  if (auto x = r.integer("window_ms", 1, 31LL * 24 * 3600 * 1000, window || windowForm)) {
    if (!window && !windowForm && algo) errors.add(r.pathOf("window_ms"), fmt::format("{} does not use window_ms", *algo));
    p.spec.window = millis(*x);
  } else if (window || windowForm) {
    ok = false;
  }
  if (windowForm && ok) {
    const double perSecond = static_cast<double>(p.spec.limit) * 1000.0 / static_cast<double>(p.spec.window / kMillisecond);
    p.spec.rateMilli = std::max<std::int64_t>(1, std::llround(perSecond * 1000.0));
    if (p.spec.burst == 0) p.spec.burst = p.spec.limit;
    // The spec keeps only rate and burst for these algorithms.
    p.spec.limit = 0;
    p.spec.window = 0;
  }
  if (auto sc = r.choice("scope", {"instance", "cluster"})) p.cluster = *sc == "cluster";
  if (auto k = r.choice("key", kKeys)) {
    p.key = static_cast<LimitKey>(std::find(kKeys.begin(), kKeys.end(), *k) - kKeys.begin());
  }
  if (auto h = r.string("header")) {
    if (p.key != LimitKey::kHeader) errors.add(r.pathOf("header"), "only used with \"key\": \"header\"");
    else if (!validToken(*h)) errors.add(r.pathOf("header"), fmt::format("\"{}\" is not a header name", *h));
    p.header = *h;
  } else if (p.key == LimitKey::kHeader) {
    errors.add(r.pathOf("header"), "required when \"key\" is \"header\"");
  }
  r.finish();
  if (!ok) return std::nullopt;
  if (p.cluster) {
    if (const std::string why = validateClusterSpec(p.spec); !why.empty()) {
      errors.add(path, fmt::format("cluster scope: {}", why));
      return std::nullopt;
    }
  }
  return p;
}

// Redis AUTH: `password` or the first line of `password_file`, and an ACL `username`.
void loadRedisAuth(JsonReader& r, const std::string& fileDir, ClusterLimitsConfig& c, FieldErrors& errors) {
  const auto password = r.string("password");
  const auto file = r.string("password_file");
  if (password && file) {
    errors.add(r.pathOf("password_file"), "give \"password\" or \"password_file\", not both");
  } else if (password) {
    if (password->empty()) errors.add(r.pathOf("password"), "must not be empty (leave it out for a Redis without AUTH)");
    c.password = *password;
  } else if (file) {
    std::string text, why;
    if (!readTextFile(configFilePath(fileDir, *file), text, why)) {
      errors.add(r.pathOf("password_file"), why);
    } else {
      c.password = text.substr(0, text.find_first_of("\r\n"));
      if (c.password.empty()) errors.add(r.pathOf("password_file"), fmt::format("\"{}\": its first line is empty", *file));
    }
  }
  if (auto user = r.string("username")) {
    if (user->empty() || user->find_first_of(" \r\n") != std::string::npos) {
      errors.add(r.pathOf("username"), "a Redis ACL user name: not empty, without spaces or line breaks");
    } else if (!password && !file) {
      errors.add(r.pathOf("username"), "needs a \"password\" or \"password_file\"");
    } else {
      c.username = *user;
    }
  }
}

void loadCluster(const nlohmann::json& v, const std::string& path, const std::string& fileDir, ClusterLimitsConfig& c,
                 FieldErrors& errors) {
  JsonReader r(v, path, errors);
  if (!r.isObject()) return;
  if (auto m = r.choice("mode", {"exact", "sync", "split"})) {
    c.mode = *m == "sync" ? ClusterLimitMode::kSync : *m == "split" ? ClusterLimitMode::kSplit : ClusterLimitMode::kExact;
  }
  // Split mode shares nothing: it needs no Redis (and gatewayd then connects to none).
  if (const auto* list = r.array("redis", c.mode != ClusterLimitMode::kSplit)) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto& item = (*list)[i];
      const std::string at = childPath(r.pathOf("redis"), i);
      if (!item.is_string()) {
        errors.add(at, fmt::format("expected a \"host:port\" string, got {}", jsonTypeName(item)));
        continue;
      }
      const std::string address = item.get<std::string>();
      std::string why;
      int port = 0;
      if (const auto hp = splitHostPort(address, why); !hp) {
        errors.add(at, why);
      } else if (const auto parsed = std::from_chars(hp->port.data(), hp->port.data() + hp->port.size(), port);
                 parsed.ec != std::errc{} || parsed.ptr != hp->port.data() + hp->port.size() || port < 1 || port > 65535 ||
                 hp->host.empty()) {
        errors.add(at, fmt::format("\"{}\" is not host:port with a port in 1..65535", address));
      } else {
        c.redis.push_back(address);
      }
    }
    if (list->empty()) errors.add(r.pathOf("redis"), "give at least one \"host:port\" (a standalone server or cluster nodes)");
  }
  loadRedisAuth(r, fileDir, c, errors);
  if (auto t = r.integer("sync_interval_ms", 1, 60'000)) c.syncInterval = millis(*t);
  if (auto t = r.integer("timeout_ms", 1, 10'000)) c.timeout = millis(*t);
  if (auto f = r.choice("on_failure", {"fail_open", "fail_closed", "local_fallback"})) {
    c.onFailure = *f == "fail_open" ? ClusterLimitFailure::kFailOpen
                  : *f == "fail_closed" ? ClusterLimitFailure::kFailClosed
                                        : ClusterLimitFailure::kLocalFallback;
  }
  if (auto n = r.integer("instances", 1, 10'000)) c.instances = *n;
  if (auto t = r.integer("retry_interval_ms", 1, 600'000)) c.retryInterval = millis(*t);
  if (auto t = r.integer("concurrency_lease_ms", 1000, 24LL * 3600 * 1000)) c.concurrencyLease = millis(*t);
  if (auto p = r.string("key_prefix")) {
    if (p->size() > 64 || p->find_first_of("{} \r\n") != std::string::npos) {
      errors.add(r.pathOf("key_prefix"), "at most 64 characters, without braces, spaces or line breaks");
    } else {
      c.keyPrefix = *p;
    }
  }
  r.finish();
}

}  // namespace

std::string DeclaredLimits::tierNames() const {
  std::string out;
  for (const auto& name : tiers) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

void loadRateLimits(const nlohmann::json& value, const std::string& path, const std::string& fileDir,
                    RateLimitsConfig& rl, DeclaredLimits& declared, FieldErrors& errors) {
  JsonReader r(value, path, errors);
  if (!r.isObject()) return;
  if (auto s = r.choice("scope", {"instance", "cluster"})) rl.scope = *s;
  const bool defaultCluster = rl.scope == "cluster";
  if (auto n = r.integer("max_keys", 1, 1'000'000'000)) rl.maxKeys = *n;
  if (auto t = r.integer("idle_timeout_ms", 1, 31LL * 24 * 3600 * 1000)) rl.idleTimeout = millis(*t);
  if (auto h = r.choice("response_headers", {"draft", "legacy", "both", "none"})) {
    rl.headers = *h == "draft" ? RateLimitHeaders::kDraft
                 : *h == "legacy" ? RateLimitHeaders::kLegacy
                 : *h == "both"   ? RateLimitHeaders::kBoth
                                  : RateLimitHeaders::kNone;
  }
  const auto* tiers = r.object("tiers");
  if (tiers) {
    for (const auto& [name, spec] : tiers->items()) {
      declared.tiers.insert(name);
      if (auto p = loadPolicy(spec, childPath(r.pathOf("tiers"), name), name, LimitKey::kConsumer, defaultCluster, errors)) {
        rl.tiers.emplace(name, std::move(*p));
      }
    }
  }
  if (const auto* policies = r.object("policies")) {
    for (const auto& [name, spec] : policies->items()) {
      declared.policies.insert(name);
      if (auto p = loadPolicy(spec, childPath(r.pathOf("policies"), name), name, LimitKey::kRoute, defaultCluster, errors)) {
        rl.policies.emplace(name, std::move(*p));
      }
    }
  }
  if (auto a = r.string("anonymous_tier")) {
    if (!(tiers && tiers->contains(*a))) errors.add(r.pathOf("anonymous_tier"), fmt::format("unknown tier \"{}\"", *a));
    rl.anonymousTier = *a;
  }
  const bool anyCluster =
      std::any_of(rl.tiers.begin(), rl.tiers.end(), [](const auto& t) { return t.second.cluster; }) ||
      std::any_of(rl.policies.begin(), rl.policies.end(), [](const auto& p) { return p.second.cluster; });
  if (const auto* cluster = r.object("cluster")) {
    loadCluster(*cluster, r.pathOf("cluster"), fileDir, rl.cluster, errors);
  } else if (anyCluster) {
    errors.add(r.pathOf("cluster"), "required when a limit's scope is \"cluster\" (it names the Redis servers)");
  }
  if (rl.cluster.mode == ClusterLimitMode::kSync) {
    // Sync mode counts windows locally and adds them up in Redis (Kong's sync_rate).
    auto check = [&](const std::map<std::string, RateLimitPolicy>& list, std::string_view section) {
      for (const auto& [name, p] : list) {
        if (p.cluster && p.spec.algorithm != LimiterAlgorithm::kFixedWindow) {
          errors.add(childPath(childPath(path, section), name),
                     fmt::format("cluster mode \"sync\" counts fixed windows; {} needs mode \"exact\" or scope \"instance\"",
                                 toString(p.spec.algorithm)));
        }
      }
    };
    check(rl.tiers, "tiers");
    check(rl.policies, "policies");
  }
  r.finish();
}

}  // namespace gateway
