#include "tools/gwdash/model/policy_switch.h"

#include <algorithm>
#include <cmath>

namespace gwdash {

namespace {

const std::vector<std::string> kSwitchAlgorithms = {"token_bucket", "leaky_bucket", "fixed_window",
                                                     "sliding_log",  "sliding_counter", "gcra"};
const std::vector<std::string> kSwitchBreakerModes = {"off", "consecutive", "failure_rate", "hystrix"};

bool switchWindowAlgorithm(const std::string& a) {
  return a == "fixed_window" || a == "sliding_log" || a == "sliding_counter";
}

std::string switchEscape(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

const nlohmann::json* switchAt(const nlohmann::json& doc, const std::string& pointer) {
  try {
    const nlohmann::json::json_pointer p(pointer);
    return doc.contains(p) ? &doc.at(p) : nullptr;
  } catch (const nlohmann::json::exception&) {
    return nullptr;
  }
}

std::string switchName(const nlohmann::json& item, std::size_t index) {
  const auto it = item.find("name");
  return it != item.end() && it->is_string() ? it->get<std::string>() : "#" + std::to_string(index);
}

bool switchRouteTakesGet(const nlohmann::json& route) {
  const auto match = route.find("match");
  if (match == route.end() || !match->is_object()) return true;
  const auto methods = match->find("methods");
  if (methods == match->end() || !methods->is_array() || methods->empty()) return true;
  return std::any_of(methods->begin(), methods->end(),
                     [](const nlohmann::json& m) { return m.is_string() && (m == "GET" || m == "HEAD"); });
}

void addRateLimitSwitches(const nlohmann::json& running, const char* group, const char* what,
                          std::vector<PolicySwitch>& out) {
  const auto* section = switchAt(running, std::string("/rate_limits/") + group);
  if (section == nullptr || !section->is_object()) return;
  const auto* scope = switchAt(running, "/rate_limits/scope");
  const auto* mode = switchAt(running, "/rate_limits/cluster/mode");
  for (const auto& [name, policy] : section->items()) {
    if (!policy.is_object() || !policy.contains("algorithm") || !policy["algorithm"].is_string()) continue;
    const std::string algorithm = policy["algorithm"].get<std::string>();
    if (std::find(kSwitchAlgorithms.begin(), kSwitchAlgorithms.end(), algorithm) == kSwitchAlgorithms.end()) continue;
    PolicySwitch s;
    s.kind = PolicySwitch::Kind::kRateLimit;
    s.label = std::string("rate limit: ") + what + " " + name;
    s.pointer = std::string("/rate_limits/") + group + "/" + switchEscape(name);
    s.choices = kSwitchAlgorithms;
    s.current = algorithm;
    // A cluster-scoped limit offers only what the cluster store can run (leaky_bucket has no
    // cluster form; the sync mode counts fixed windows alone).
    const auto own = policy.find("scope");
    const bool cluster = own != policy.end() ? *own == "cluster" : scope != nullptr && *scope == "cluster";
    if (cluster && mode != nullptr && *mode == "sync") continue;
    if (cluster) std::erase(s.choices, std::string("leaky_bucket"));
    out.push_back(std::move(s));
  }
}

// The circuit breaker object for `mode`: the scenario's own when it had that mode, else the
// mode's defaults (failure_rate with a small count window, so it reacts within a scenario).
nlohmann::json breakerFor(const std::string& mode, const nlohmann::json* initial) {
  if (initial != nullptr && initial->is_object() && initial->value("mode", "") == mode) return *initial;
  if (mode == "failure_rate") {
    return {{"mode", "failure_rate"}, {"window_size", 20},   {"minimum_calls", 10},
            {"failure_rate_threshold", 50}, {"open_ms", 5000}, {"half_open_calls", 3}};
  }
  if (mode == "consecutive") return {{"mode", "consecutive"}, {"max_errors", 5}, {"open_ms", 5000}};
  return {{"mode", mode}};
}

}  // namespace

std::vector<PolicySwitch> policySwitches(const nlohmann::json& running, const nlohmann::json& initial) {
  std::vector<PolicySwitch> out;
  addRateLimitSwitches(running, "tiers", "tier", out);
  addRateLimitSwitches(running, "policies", "policy", out);
  if (const auto* services = switchAt(running, "/services"); services != nullptr && services->is_array()) {
    for (std::size_t i = 0; i < services->size(); ++i) {
      const auto& service = (*services)[i];
      PolicySwitch s;
      s.kind = PolicySwitch::Kind::kBreaker;
      s.label = "breaker: " + switchName(service, i);
      s.pointer = "/services/" + std::to_string(i) + "/circuit_breaker";
      s.choices = kSwitchBreakerModes;
      const auto cb = service.find("circuit_breaker");
      s.current = cb != service.end() && cb->is_object() ? cb->value("mode", "off") : "off";
      out.push_back(std::move(s));
    }
  }
  if (const auto* routes = switchAt(running, "/routes"); routes != nullptr && routes->is_array()) {
    for (std::size_t i = 0; i < routes->size(); ++i) {
      const auto& route = (*routes)[i];
      const std::string pointer = "/routes/" + std::to_string(i) + "/cache";
      const bool had = switchAt(initial, pointer) != nullptr;
      if (!had && !switchRouteTakesGet(route)) continue;  // nothing it answers could be cached
      PolicySwitch s;
      s.kind = PolicySwitch::Kind::kCache;
      s.label = "cache: route " + switchName(route, i);
      s.pointer = pointer;
      s.choices = {"off", "on"};
      s.current = route.contains("cache") ? "on" : "off";
      out.push_back(std::move(s));
    }
  }
  return out;
}

gwsim::ConfigChange switchPolicy(const PolicySwitch& target, const std::string& choice, const nlohmann::json& running,
                                 const nlohmann::json& initial) {
  gwsim::ConfigChange change;
  if (choice == target.current ||
      std::find(target.choices.begin(), target.choices.end(), choice) == target.choices.end()) {
    return change;
  }
  switch (target.kind) {
    case PolicySwitch::Kind::kRateLimit: {
      change.note = target.label + ": " + target.current + " -> " + choice;
      change.set.emplace_back(target.pointer + "/algorithm", choice);
      const auto* policy = switchAt(running, target.pointer);
      // A rate + burst limit has no window: a window algorithm gets the same rate per second.
      if (policy != nullptr && switchWindowAlgorithm(choice) && policy->contains("rate") && !policy->contains("limit")) {
        const double rate = policy->at("rate").is_number() ? policy->at("rate").get<double>() : 1.0;
        change.set.emplace_back(target.pointer + "/limit", std::max<std::int64_t>(1, std::llround(rate)));
        change.set.emplace_back(target.pointer + "/window_ms", 1000);
        change.set.emplace_back(target.pointer + "/rate", nullptr);
        change.set.emplace_back(target.pointer + "/burst", nullptr);
      }
      break;
    }
    case PolicySwitch::Kind::kBreaker:
      change.note = target.label + ": " + target.current + " -> " + choice;
      change.set.emplace_back(target.pointer, choice == "off" ? nlohmann::json(nullptr)
                                                              : breakerFor(choice, switchAt(initial, target.pointer)));
      break;
    case PolicySwitch::Kind::kCache: {
      change.note = target.label + " " + choice;
      const auto* original = switchAt(initial, target.pointer);
      nlohmann::json on = original != nullptr ? *original : nlohmann::json{{"ttl_s", 5}, {"coalesce", true}};
      change.set.emplace_back(target.pointer, choice == "off" ? nlohmann::json(nullptr) : on);
      break;
    }
  }
  return change;
}

}  // namespace gwdash
