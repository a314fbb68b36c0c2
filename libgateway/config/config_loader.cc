#include "libgateway/config/config_loader.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "libgateway/config/auth_loader.h"
#include "libgateway/config/resilience_loader.h"
#include "libgateway/routing/path_template.h"

namespace gateway {

namespace {

constexpr std::int64_t kMaxTimeoutMs = 3'600'000;

bool validAddress(std::string_view address, std::string& why) {
  // Kong and Envoy users often write a URL here; the transport would fail on every request.
  if (address.find("://") != std::string_view::npos) {
    why = "write \"host:port\" without a scheme";
    return false;
  }
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    why = "expected \"host:port\"";
    return false;
  }
  const std::string_view host = address.substr(0, colon);
  if (host.find_first_of("/?#@ \t") != std::string_view::npos) {
    why = fmt::format("\"{}\" is not a host name or IP address", host);
    return false;
  }
  const std::string_view port = address.substr(colon + 1);
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    why = fmt::format("port \"{}\" is not a number", port);
    return false;
  }
  const int p = std::stoi(std::string(port));
  if (p < 1 || p > 65535) {
    why = fmt::format("port {} is out of range 1-65535", p);
    return false;
  }
  return true;
}

bool validToken(std::string_view s) {
  // RFC 9110 token characters, restricted to what a method or header name needs.
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

class Loader {
 public:
  Loader(std::string_view base, std::string_view fileDir, FieldErrors& errors)
      : base_(base), fileDir_(fileDir), errors_(errors) {}

  void load(const nlohmann::json& doc, Config& config) {
    JsonReader root(doc, base_, errors_);
    if (!root.isObject()) return;
    if (const auto* v = root.array("services", true)) loadServices(*v, root.pathOf("services"), config);
    if (const auto* v = root.object("rate_limits")) loadRateLimits(*v, root.pathOf("rate_limits"), config);
    if (const auto* v = root.array("consumers")) loadConsumers(*v, root.pathOf("consumers"), config);
    // auth before routes: a route's auth requirement refers to it.
    if (const auto* v = root.object("auth")) loadAuth(*v, root.pathOf("auth"), config.auth);
    if (const auto* v = root.array("routes", true)) loadRoutes(*v, root.pathOf("routes"), config);
    if (const auto* v = root.object("observability")) loadObservability(*v, root.pathOf("observability"), config.observability);
    root.finish();
  }

 private:
  void error(std::string path, std::string message) { errors_.add(std::move(path), std::move(message)); }

  std::optional<Duration> millisField(JsonReader& r, std::string_view key, std::int64_t min = 1,
                                      std::int64_t max = kMaxTimeoutMs) {
    auto v = r.integer(key, min, max);
    if (!v) return std::nullopt;
    return millis(*v);
  }

  // ---- services -------------------------------------------------------------------------
  void loadServices(const nlohmann::json& list, const std::string& path, Config& config) {
    std::set<std::string> names;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string p = childPath(path, i);
      JsonReader r(list[i], p, errors_);
      if (!r.isObject()) continue;
      ServiceConfig s;
      if (auto name = r.string("name", true)) {
        s.name = *name;
        if (s.name.empty()) error(r.pathOf("name"), "must not be empty");
        else if (!names.insert(s.name).second) error(r.pathOf("name"), fmt::format("duplicate service \"{}\"", s.name));
      }
      if (const auto* inst = r.array("instances", true)) {
        if (inst->empty()) error(r.pathOf("instances"), "a service needs at least one instance");
        std::set<std::string> ids;
        for (std::size_t k = 0; k < inst->size(); ++k) {
          const std::string ip = childPath(r.pathOf("instances"), k);
          InstanceConfig ic;
          if ((*inst)[k].is_string()) {
            ic.address = (*inst)[k].get<std::string>();
          } else {
            JsonReader ir((*inst)[k], ip, errors_);
            if (!ir.isObject()) continue;
            if (auto a = ir.string("address", true)) ic.address = *a;
            if (auto id = ir.string("id")) ic.id = *id;
            if (auto w = ir.integer("weight", 1, 1'000'000)) ic.weight = static_cast<std::uint32_t>(*w);
            ir.finish();
          }
          std::string why;
          if (!ic.address.empty() && !validAddress(ic.address, why)) {
            error((*inst)[k].is_string() ? ip : childPath(ip, "address"), fmt::format("bad address \"{}\": {}", ic.address, why));
          }
          if (ic.id.empty()) ic.id = ic.address;
          if (!ic.id.empty() && !ids.insert(ic.id).second) {
            error(ip, fmt::format("duplicate instance \"{}\" in service \"{}\"", ic.id, s.name));
          }
          s.instances.push_back(std::move(ic));
        }
      }
      bool lbOk = true;
      if (const auto* lb = r.any("load_balancer")) lbOk = loadBalancer(*lb, r.pathOf("load_balancer"), s.loadBalancer);
      const auto algo = s.loadBalancer.algorithm;
      if (lbOk && (algo == LbAlgorithm::kRoundRobin || algo == LbAlgorithm::kLeastRequest || algo == LbAlgorithm::kRandom)) {
        // A weight the balancer ignores would silently break a planned traffic share.
        for (std::size_t k = 0; k < s.instances.size(); ++k) {
          if (s.instances[k].weight == 1) continue;
          error(childPath(childPath(r.pathOf("instances"), k), "weight"),
                fmt::format("{} ignores weights; use weighted_round_robin, ring_hash or maglev", toString(algo)));
        }
      }
      if (auto t = millisField(r, "timeout_ms")) s.timeout = *t;
      if (auto t = millisField(r, "connect_timeout_ms")) s.connectTimeout = *t;
      if (const auto* cb = r.object("circuit_breaker")) {
        s.circuitBreaker.emplace();
        loadCircuitBreaker(*cb, r.pathOf("circuit_breaker"), *s.circuitBreaker, errors_);
      }
      if (const auto* od = r.object("outlier_detection")) {
        s.outlierDetection.emplace();
        loadOutlierDetection(*od, r.pathOf("outlier_detection"), *s.outlierDetection, errors_);
      }
      if (const auto* c = r.object("concurrency")) loadConcurrency(*c, r.pathOf("concurrency"), s.concurrency, errors_);
      if (const auto* b = r.any("retry_budget")) loadRetryBudget(*b, r.pathOf("retry_budget"), s.retryBudget, errors_);
      r.finish();
      config.services.push_back(std::move(s));
    }
  }

  // False when the algorithm is missing or unknown (the other fields are then not checked
  // against it, which would only add misleading errors).
  bool loadBalancer(const nlohmann::json& v, const std::string& path, LoadBalancerConfig& lb) {
    static const std::vector<std::string_view> kAlgorithms = {
        "round_robin", "weighted_round_robin", "least_request", "random", "ring_hash", "maglev"};
    JsonReader r(v, path, errors_);
    if (!r.isObject()) return false;
    const auto a = r.choice("algorithm", kAlgorithms, true);
    if (a) {
      const auto idx = std::find(kAlgorithms.begin(), kAlgorithms.end(), *a) - kAlgorithms.begin();
      lb.algorithm = static_cast<LbAlgorithm>(idx);
    }
    if (auto h = r.string("hash_on"); h && a) {
      if (lb.algorithm != LbAlgorithm::kRingHash && lb.algorithm != LbAlgorithm::kMaglev) {
        error(r.pathOf("hash_on"), "only ring_hash and maglev use hash_on");
      } else if (*h == "client_address") {
        lb.hashOn.source = HashKeyConfig::Source::kClientAddress;
      } else if (*h == "path") {
        lb.hashOn.source = HashKeyConfig::Source::kPath;
      } else if (h->rfind("header:", 0) == 0 && validToken(h->substr(7))) {
        lb.hashOn.source = HashKeyConfig::Source::kHeader;
        lb.hashOn.header = h->substr(7);
      } else {
        error(r.pathOf("hash_on"), fmt::format("\"{}\" is not one of: client_address, path, header:NAME", *h));
      }
    }
    if (auto c = r.integer("choices", 2, 16)) {
      if (a && lb.algorithm != LbAlgorithm::kLeastRequest) error(r.pathOf("choices"), "only least_request uses choices");
      lb.choices = static_cast<std::uint32_t>(*c);
    }
    if (auto s = r.integer("ring_size", 16, 1 << 20)) {
      if (a && lb.algorithm != LbAlgorithm::kRingHash) error(r.pathOf("ring_size"), "only ring_hash uses ring_size");
      lb.ringSize = static_cast<std::uint32_t>(*s);
    }
    r.finish();
    return a.has_value();
  }

  // ---- rate limits ----------------------------------------------------------------------
  std::optional<RateLimitPolicy> loadPolicy(const nlohmann::json& v, const std::string& path, std::string name,
                                            LimitKey defaultKey) {
    static const std::vector<std::string_view> kAlgorithms = {
        "token_bucket", "leaky_bucket", "fixed_window", "sliding_log", "sliding_counter", "gcra", "concurrency"};
    static const std::vector<std::string_view> kKeys = {"consumer", "api_key", "client_address", "header", "route"};
    JsonReader r(v, path, errors_);
    if (!r.isObject()) return std::nullopt;
    RateLimitPolicy p;
    p.name = std::move(name);
    p.key = defaultKey;
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
      if (!rate && algo) error(r.pathOf("rate"), fmt::format("{} does not use rate (it takes limit{})", *algo, window ? " and window_ms" : ""));
      const double milli = std::round(*x * 1000.0);
      if (std::fabs(milli - *x * 1000.0) > 1e-6) error(r.pathOf("rate"), "at most 3 decimals (requests per second)");
      p.spec.rateMilli = static_cast<std::int64_t>(milli);
    } else if (rate && !windowForm) {
      ok = false;
    }
    if (auto x = r.integer("burst", 1, 1'000'000'000, rate && !windowForm)) {
      if (!rate && algo) error(r.pathOf("burst"), fmt::format("{} does not use burst", *algo));
      p.spec.burst = *x;
    } else if (rate && !windowForm) {
      ok = false;
    }
    if (auto x = r.integer("limit", 1, 1'000'000'000, window || conc)) {
      if (rate && !windowForm) error(r.pathOf("limit"), fmt::format("give either rate and burst or limit and window_ms, not both"));
      p.spec.limit = *x;
    } else if (window || conc || windowForm) {
      ok = false;
    }
    if (auto x = r.integer("window_ms", 1, 31LL * 24 * 3600 * 1000, window || windowForm)) {
      if (!window && !windowForm && algo) error(r.pathOf("window_ms"), fmt::format("{} does not use window_ms", *algo));
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
    if (auto k = r.choice("key", kKeys)) {
      p.key = static_cast<LimitKey>(std::find(kKeys.begin(), kKeys.end(), *k) - kKeys.begin());
    }
    if (auto h = r.string("header")) {
      if (p.key != LimitKey::kHeader) error(r.pathOf("header"), "only used with \"key\": \"header\"");
      else if (!validToken(*h)) error(r.pathOf("header"), fmt::format("\"{}\" is not a header name", *h));
      p.header = *h;
    } else if (p.key == LimitKey::kHeader) {
      error(r.pathOf("header"), "required when \"key\" is \"header\"");
    }
    r.finish();
    if (!ok) return std::nullopt;
    return p;
  }

  void loadRateLimits(const nlohmann::json& v, const std::string& path, Config& config) {
    auto& rl = config.rateLimits;
    JsonReader r(v, path, errors_);
    if (!r.isObject()) return;
    if (auto s = r.choice("scope", {"instance"})) rl.scope = *s;
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
        declaredTiers_.insert(name);
        if (auto p = loadPolicy(spec, childPath(r.pathOf("tiers"), name), name, LimitKey::kConsumer)) {
          rl.tiers.emplace(name, std::move(*p));
        }
      }
    }
    if (const auto* policies = r.object("policies")) {
      for (const auto& [name, spec] : policies->items()) {
        declaredPolicies_.insert(name);
        if (auto p = loadPolicy(spec, childPath(r.pathOf("policies"), name), name, LimitKey::kRoute)) {
          rl.policies.emplace(name, std::move(*p));
        }
      }
    }
    if (auto a = r.string("anonymous_tier")) {
      if (!(tiers && tiers->contains(*a))) error(r.pathOf("anonymous_tier"), fmt::format("unknown tier \"{}\"", *a));
      rl.anonymousTier = *a;
    }
    r.finish();
  }

  // ---- consumers ------------------------------------------------------------------------
  void loadConsumers(const nlohmann::json& list, const std::string& path, Config& config) {
    std::set<std::string> ids, keys, subjects;
    for (std::size_t i = 0; i < list.size(); ++i) {
      JsonReader r(list[i], childPath(path, i), errors_);
      if (!r.isObject()) continue;
      ConsumerConfig c;
      if (auto id = r.string("id", true)) {
        c.id = *id;
        if (c.id.empty()) error(r.pathOf("id"), "must not be empty");
        else if (!ids.insert(c.id).second) error(r.pathOf("id"), fmt::format("duplicate consumer \"{}\"", c.id));
      }
      if (auto t = r.string("tier")) {
        c.tier = *t;
        if (!declaredTiers_.count(c.tier)) {
          error(r.pathOf("tier"), fmt::format("unknown tier \"{}\" (rate_limits.tiers has {})", c.tier,
                                              declaredTiers_.empty() ? std::string("none") : tierNames()));
        }
      }
      if (const auto* k = r.array("api_keys")) {
        for (std::size_t j = 0; j < k->size(); ++j) {
          const std::string kp = childPath(r.pathOf("api_keys"), j);
          if (!(*k)[j].is_string() || (*k)[j].get<std::string>().size() < 8) {
            error(kp, "an API key is a string of at least 8 characters");
            continue;
          }
          // The key itself is never echoed in an error: it is a secret.
          if (!keys.insert((*k)[j].get<std::string>()).second) error(kp, "this API key is already given to another consumer");
          c.apiKeys.push_back((*k)[j].get<std::string>());
        }
      }
      if (auto s = r.string("jwt_subject")) {
        c.jwtSubject = *s;
        if (!subjects.insert(*s).second) error(r.pathOf("jwt_subject"), fmt::format("subject \"{}\" already names another consumer", *s));
      }
      for (const char* key : {"roles", "scopes"}) {
        auto& out = std::string_view(key) == "roles" ? c.roles : c.scopes;
        if (const auto* list = r.array(key)) {
          for (std::size_t j = 0; j < list->size(); ++j) {
            const auto& x = (*list)[j];
            if (!x.is_string() || x.get<std::string>().empty() || x.get<std::string>().find_first_of(" ,\"\\") != std::string::npos) {
              error(childPath(r.pathOf(key), j), "expected a name without spaces, commas or quotes");
              continue;
            }
            out.push_back(x.get<std::string>());
          }
        }
      }
      r.finish();
      config.consumers.push_back(std::move(c));
    }
  }

  std::string tierNames() const {
    std::string out;
    for (const auto& name : declaredTiers_) {
      if (!out.empty()) out += ", ";
      out += name;
    }
    return out;
  }

  // ---- routes ---------------------------------------------------------------------------
  void loadRoutes(const nlohmann::json& list, const std::string& path, Config& config) {
    std::set<std::string> names;
    // Two routes with the same match would make precedence depend on file order.
    std::map<std::string, std::string> matchKeys;
    for (std::size_t i = 0; i < list.size(); ++i) {
      JsonReader r(list[i], childPath(path, i), errors_);
      if (!r.isObject()) continue;
      RouteConfig rc;
      if (auto n = r.string("name", true)) {
        rc.name = *n;
        if (rc.name.empty()) error(r.pathOf("name"), "must not be empty");
        else if (!names.insert(rc.name).second) error(r.pathOf("name"), fmt::format("duplicate route \"{}\"", rc.name));
      }
      ParsedPath parsed;
      bool matchOk = false;
      if (const auto* m = r.object("match", true)) matchOk = loadMatch(*m, r.pathOf("match"), rc, parsed);
      loadBackends(r, rc, config);
      if (auto s = r.boolean("strip_prefix")) {
        rc.stripPrefix = *s;
        if (*s && matchOk && rc.pathType != PathMatchType::kPrefix) {
          error(r.pathOf("strip_prefix"), "only a prefix match can strip its prefix");
        }
      }
      if (auto rw = r.string("rewrite")) {
        std::string why;
        auto t = RewriteTemplate::parse(*rw, why);
        if (!why.empty()) {
          error(r.pathOf("rewrite"), why);
        } else if (matchOk) {
          for (const auto& name : t.names()) {
            const bool known = name == "*" ? rc.pathType == PathMatchType::kPrefix
                                           : std::any_of(parsed.segments.begin(), parsed.segments.end(),
                                                         [&](const PathSegment& s) { return s.isParam && s.text == name; });
            if (!known) {
              error(r.pathOf("rewrite"), name == "*" ? std::string("\"{*}\" needs a prefix match")
                                                     : fmt::format("\"{{{}}}\" is not captured by the match path", name));
            }
          }
        }
        if (rc.stripPrefix) error(r.pathOf("rewrite"), "use either strip_prefix or rewrite, not both");
        rc.rewrite = *rw;
      }
      if (auto t = millisField(r, "timeout_ms")) rc.timeout = *t;
      if (const auto* rl = r.object("rate_limit")) loadRouteRateLimit(*rl, r.pathOf("rate_limit"), rc);
      if (const auto* a = r.object("auth")) {
        rc.auth.emplace();
        loadRouteAuth(*a, r.pathOf("auth"), config.auth.jwt.has_value(), *rc.auth, errors_);
      }
      if (const auto* rt = r.object("retry")) {
        rc.retry.emplace();
        loadRetry(*rt, r.pathOf("retry"), *rc.retry, errors_);
      }
      r.finish();
      if (matchOk) {
        std::string key = fmt::format("{}|{}|{}|{}", toString(rc.pathType), rc.path, fmt::join(rc.hosts, ","),
                                      fmt::join(rc.methods, ","));
        for (const auto& h : rc.headers) key += "|" + toLower(h.name) + "=" + h.value.value_or("*");
        auto [it, inserted] = matchKeys.emplace(key, rc.name);
        if (!inserted) error(r.pathOf("match"), fmt::format("same match as route \"{}\"", it->second));
      }
      config.routes.push_back(std::move(rc));
    }
  }

  static std::string toLower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  bool loadMatch(const nlohmann::json& v, const std::string& path, RouteConfig& rc, ParsedPath& parsed) {
    JsonReader r(v, path, errors_);
    if (!r.isObject()) return false;
    const auto exact = r.string("path");
    const auto prefix = r.string("prefix");
    const auto tmpl = r.string("template");
    const int count = (exact ? 1 : 0) + (prefix ? 1 : 0) + (tmpl ? 1 : 0);
    bool ok = true;
    if (count != 1) {
      if (!r.has("path") && !r.has("prefix") && !r.has("template")) {
        error(path, "needs one of \"path\" (exact), \"prefix\" or \"template\"");
      } else if (count > 1) {
        error(path, "give only one of \"path\", \"prefix\", \"template\"");
      }
      ok = false;
    } else {
      rc.pathType = exact ? PathMatchType::kExact : prefix ? PathMatchType::kPrefix : PathMatchType::kTemplate;
      rc.path = exact ? *exact : prefix ? *prefix : *tmpl;
      const std::string key = exact ? "path" : prefix ? "prefix" : "template";
      parsed = parsePath(rc.path, rc.pathType == PathMatchType::kTemplate);
      if (!parsed.ok()) {
        error(r.pathOf(key), fmt::format("bad path \"{}\": {}", rc.path, parsed.error));
        ok = false;
      } else if (rc.pathType == PathMatchType::kTemplate &&
                 std::none_of(parsed.segments.begin(), parsed.segments.end(), [](const PathSegment& s) { return s.isParam; })) {
        error(r.pathOf(key), "a template needs at least one {param}; use \"path\" for an exact match");
        ok = false;
      }
    }
    if (const auto* m = r.array("methods")) {
      for (std::size_t i = 0; i < m->size(); ++i) {
        const auto& x = (*m)[i];
        if (!x.is_string() || !validToken(x.get<std::string>())) {
          error(childPath(r.pathOf("methods"), i), "expected an HTTP method like \"GET\"");
          continue;
        }
        std::string method = x.get<std::string>();
        if (std::any_of(method.begin(), method.end(), ::islower)) {
          error(childPath(r.pathOf("methods"), i), fmt::format("methods are case-sensitive and upper case: \"{}\"", method));
          continue;
        }
        if (std::find(rc.methods.begin(), rc.methods.end(), method) != rc.methods.end()) {
          error(childPath(r.pathOf("methods"), i), fmt::format("\"{}\" is listed twice", method));
          continue;
        }
        rc.methods.push_back(std::move(method));
      }
      std::sort(rc.methods.begin(), rc.methods.end());
    }
    if (const auto* h = r.array("hosts")) {
      for (std::size_t i = 0; i < h->size(); ++i) {
        const auto& x = (*h)[i];
        std::string host = x.is_string() ? toLower(x.get<std::string>()) : std::string();
        const bool wildcard = host.rfind("*.", 0) == 0;
        const std::string_view rest = wildcard ? std::string_view(host).substr(2) : std::string_view(host);
        if (rest.empty() || rest.find_first_of("*/: ") != std::string_view::npos) {
          error(childPath(r.pathOf("hosts"), i), "expected a host name like \"api.example.com\" or \"*.example.com\"");
          continue;
        }
        rc.hosts.push_back(std::move(host));
      }
      std::sort(rc.hosts.begin(), rc.hosts.end());
    }
    if (const auto* h = r.object("headers")) {
      for (const auto& [name, value] : h->items()) {
        const std::string hp = childPath(r.pathOf("headers"), name);
        if (!validToken(name)) {
          error(hp, "not a valid header name");
        } else if (value.is_string()) {
          rc.headers.push_back({name, value.get<std::string>()});
        } else if (value.is_boolean() && value.get<bool>()) {
          rc.headers.push_back({name, std::nullopt});
        } else {
          error(hp, "expected a string (exact value) or true (present)");
        }
      }
    }
    r.finish();
    return ok;
  }

  void loadBackends(JsonReader& r, RouteConfig& rc, const Config& config) {
    const bool hasService = r.has("service");
    const bool hasSplit = r.has("split");
    if (hasService && hasSplit) error(r.path(), "give either \"service\" or \"split\", not both");
    if (!hasService && !hasSplit) error(r.path(), "needs a \"service\" or a weighted \"split\"");
    if (auto s = r.string("service")) {
      if (!config.findService(*s)) error(r.pathOf("service"), unknownService(*s, config));
      rc.backends.push_back({*s, 1});
    }
    if (const auto* split = r.array("split")) {
      if (split->empty()) error(r.pathOf("split"), "a split needs at least one service");
      std::set<std::string> seen;
      for (std::size_t i = 0; i < split->size(); ++i) {
        JsonReader b((*split)[i], childPath(r.pathOf("split"), i), errors_);
        if (!b.isObject()) continue;
        RouteBackend rb;
        if (auto s = b.string("service", true)) {
          rb.service = *s;
          if (!config.findService(*s)) error(b.pathOf("service"), unknownService(*s, config));
          else if (!seen.insert(*s).second) error(b.pathOf("service"), fmt::format("service \"{}\" appears twice in the split", *s));
        }
        if (auto w = b.integer("weight", 0, 1'000'000, true)) rb.weight = static_cast<std::uint32_t>(*w);
        b.finish();
        rc.backends.push_back(std::move(rb));
      }
      std::uint64_t total = 0;
      for (const auto& b : rc.backends) total += b.weight;
      if (!split->empty() && total == 0) error(r.pathOf("split"), "the weights add up to 0");
    }
  }

  static std::string unknownService(const std::string& name, const Config& config) {
    std::string msg = fmt::format("unknown service \"{}\"", name);
    // A near miss is most likely a typo (a dropped, added or swapped letter): say which one.
    std::size_t best = 3;
    std::string hint;
    for (const auto& s : config.services) {
      const std::size_t d = editDistance(name, s.name);
      if (d < best && d < s.name.size()) {
        best = d;
        hint = fmt::format(" (did you mean \"{}\"?)", s.name);
      }
    }
    return msg + hint;
  }

  void loadRouteRateLimit(const nlohmann::json& v, const std::string& path, RouteConfig& rc) {
    JsonReader r(v, path, errors_);
    if (!r.isObject()) return;
    if (auto p = r.boolean("per_consumer")) {
      rc.rateLimit.perConsumer = *p;
      if (*p && declaredTiers_.empty()) error(r.pathOf("per_consumer"), "rate_limits.tiers is empty");
    }
    if (const auto* list = r.array("policies")) {
      for (std::size_t i = 0; i < list->size(); ++i) {
        const std::string pp = childPath(r.pathOf("policies"), i);
        if (!(*list)[i].is_string()) {
          error(pp, "expected a policy name");
          continue;
        }
        const auto name = (*list)[i].get<std::string>();
        if (!declaredPolicies_.count(name)) error(pp, fmt::format("unknown rate limit policy \"{}\"", name));
        else rc.rateLimit.policies.push_back(name);
      }
    }
    r.finish();
  }

  void loadAuth(const nlohmann::json& v, const std::string& path, AuthConfig& auth) {
    JsonReader r(v, path, errors_);
    if (auto h = r.string("api_key_header")) {
      if (!validToken(*h)) error(r.pathOf("api_key_header"), fmt::format("\"{}\" is not a header name", *h));
      auth.apiKeyHeader = *h;
    }
    if (const auto* j = r.object("jwt")) {
      auth.jwt.emplace();
      loadJwt(*j, r.pathOf("jwt"), fileDir_, *auth.jwt, errors_);
    }
    r.finish();
  }

  void loadObservability(const nlohmann::json& v, const std::string& path, ObservabilityConfig& o) {
    JsonReader r(v, path, errors_);
    if (auto b = r.boolean("access_log")) o.accessLog = *b;
    if (auto b = r.boolean("metrics")) o.metrics = *b;
    if (auto h = r.string("correlation_header")) {
      if (!validToken(*h)) error(r.pathOf("correlation_header"), fmt::format("\"{}\" is not a header name", *h));
      o.correlationHeader = *h;
    }
    r.finish();
  }

  std::string base_;
  std::string fileDir_;
  FieldErrors& errors_;
  // Names declared in the document, valid or not: a reference to a tier or policy that has
  // its own errors is not reported again as unknown.
  std::set<std::string> declaredTiers_;
  std::set<std::string> declaredPolicies_;
};

}  // namespace

ConfigLoad loadConfigJson(const nlohmann::json& document, std::string_view basePath, std::string_view fileDir) {
  ConfigLoad out;
  auto config = std::make_shared<Config>();
  Loader(basePath, fileDir, out.errors).load(document, *config);
  if (out.errors.empty()) out.config = std::move(config);
  return out;
}

ConfigLoad parseConfig(std::string_view jsonText, std::string_view fileDir) {
  ConfigLoad out;
  auto doc = parseJsonText(jsonText, out.errors);
  if (!doc) return out;
  return loadConfigJson(*doc, "", fileDir);
}

bool readTextFile(const std::string& filePath, std::string& out, std::string& error) {
  std::ifstream in(filePath, std::ios::binary);
  if (!in) {
    error = fmt::format("cannot open \"{}\"", filePath);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    error = fmt::format("cannot read \"{}\"", filePath);
    return false;
  }
  out = ss.str();
  return true;
}

ConfigLoad loadConfigFile(const std::string& filePath) {
  std::string text, why;
  if (!readTextFile(filePath, text, why)) {
    ConfigLoad out;
    out.errors.add("", why);
    return out;
  }
  return parseConfig(text, std::filesystem::path(filePath).parent_path().string());
}

}  // namespace gateway
