#include "libgateway/config/config_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "libgateway/config/auth_loader.h"
#include "libgateway/config/field_checks.h"
#include "libgateway/config/rate_limit_loader.h"
#include "libgateway/config/resilience_loader.h"
#include "libgateway/config/route_loader.h"
#include "libgateway/config/server_loader.h"

namespace gateway {

namespace {

class Loader {
 public:
  Loader(std::string_view base, std::string_view fileDir, FieldErrors& errors)
      : base_(base), fileDir_(fileDir), errors_(errors) {}

  void load(const nlohmann::json& doc, Config& config) {
    JsonReader root(doc, base_, errors_);
    if (!root.isObject()) return;
    if (const auto* v = root.array("services", true)) loadServices(*v, root.pathOf("services"), config);
    if (const auto* v = root.object("rate_limits")) {
      loadRateLimits(*v, root.pathOf("rate_limits"), fileDir_, config.rateLimits, declared_, errors_);
    }
    if (const auto* v = root.array("consumers")) loadConsumers(*v, root.pathOf("consumers"), config);
    // auth before routes: a route's auth requirement refers to it.
    if (const auto* v = root.object("auth")) loadAuth(*v, root.pathOf("auth"), config.auth);
    if (const auto* v = root.array("routes", true)) loadRoutes(*v, root.pathOf("routes"), declared_, config, errors_);
    if (const auto* v = root.object("observability")) loadObservability(*v, root.pathOf("observability"), config.observability);
    if (const auto* v = root.object("server")) loadServer(*v, root.pathOf("server"), fileDir_, config.server, errors_);
    root.finish();
  }

 private:
  void error(std::string path, std::string message) { errors_.add(std::move(path), std::move(message)); }

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
        if (!declared_.tiers.count(c.tier)) {
          error(r.pathOf("tier"), fmt::format("unknown tier \"{}\" (rate_limits.tiers has {})", c.tier,
                                              declared_.tiers.empty() ? std::string("none") : declared_.tierNames()));
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
  DeclaredLimits declared_;
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

std::string configFilePath(const std::string& fileDir, const std::string& file) {
  if (fileDir.empty() || std::filesystem::path(file).is_absolute()) return file;
  return (std::filesystem::path(fileDir) / file).string();
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
