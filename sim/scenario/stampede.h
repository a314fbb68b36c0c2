// A scenario's "stampede" measure, for cache stampedes:
//   "stampede": {"group": "crowd", "service": "products", "target": "/products/1"}
// Upstream fetches per stampede = the tries the gateway sent to `service` (only those whose
// target, as the service receives it, is `target`, when given) while one of `group`'s bursts
// was on, divided by the number of bursts. A burst is each on-period of the group's "on_off"
// arrivals or, without on_off, its "flash_crowd" window; only the parts within the group's
// start_s..stop_s and the scenario's duration count (a burst with no such part is not one).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/config/json_reader.h"
#include "libgateway/core/time.h"

namespace gwsim {

struct Scenario;

struct StampedeSpec {
  std::string group, service, target;
  std::vector<std::pair<gateway::TimePoint, gateway::TimePoint>> bursts;  // [from, to), in order

  bool during(gateway::TimePoint t) const;
  // Reads the measure of scenario `s`, whose gateway config and client groups are loaded.
  static std::optional<StampedeSpec> parse(const nlohmann::json& value, const std::string& path, const Scenario& s,
                                           gateway::FieldErrors& errors);
};

}  // namespace gwsim
