// The dashboard's policy switches as config changes: the rate-limit algorithm of a tier or
// policy, a service's circuit breaker mode, a route's cache on or off. Each switch is a set
// of JSON pointers on the running gateway config (SimulationRun::configJson's shape), made so
// the result still loads: a rate + burst limit switched to a window algorithm gets limit and
// window_ms, a breaker switched to another mode gets that mode's whole object. No ImGui.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario/scenario.h"

namespace gwdash {

struct PolicySwitch {
  enum class Kind { kRateLimit, kBreaker, kCache } kind = Kind::kRateLimit;
  std::string label;    // "rate limit: tier free", "breaker: payments", "cache: route product"
  std::string pointer;  // what the switch sets: "/rate_limits/tiers/free", "/services/0/circuit_breaker", "/routes/0/cache"
  std::vector<std::string> choices;
  std::string current;  // one of choices
};

// Every switch the config offers. `running` is the config now; `initial` the scenario's (a
// cache switched off is switched back on with the settings it started with).
std::vector<PolicySwitch> policySwitches(const nlohmann::json& running, const nlohmann::json& initial);

// The change that turns `target` to `choice` (at 0: the session sets the time). Empty `set`
// when `choice` is already current or not one of the choices.
gwsim::ConfigChange switchPolicy(const PolicySwitch& target, const std::string& choice, const nlohmann::json& running,
                                 const nlohmann::json& initial);

}  // namespace gwdash
