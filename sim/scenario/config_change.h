// The scenario's "changes": gateway config changes at points of the run (ConfigChange in
// scenario.h), parsed with every error at its JSON path, applied to the config as JSON, and
// written back (a dashboard exports the changes it made live). Plain functions.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "libgateway/config/json_reader.h"
#include "sim/scenario/scenario.h"

namespace gwsim {

// {"at_s": 30, "set": {"/rate_limits/tiers/free/algorithm": "gcra"}, "note": "..."}
std::optional<ConfigChange> parseConfigChange(const nlohmann::json& value, const std::string& path,
                                              gateway::FieldErrors& errors);
// Sets each pointer of `change` in `config` (a null value removes the member). A pointer whose
// parent does not exist, or that names no member to remove, is an error at `path`/set/<pointer>;
// `config` is then left as it was.
bool applyConfigChange(const ConfigChange& change, nlohmann::json& config, const std::string& path,
                       gateway::FieldErrors& errors);
nlohmann::json toJson(const ConfigChange& change);

// Checks every change in order against the scenario's config (each must give a config that
// loads) and sorts them by time, keeping the file's order for equal times. `baseDir` resolves
// relative paths in the config.
void checkConfigChanges(Scenario& scenario, const std::string& baseDir, gateway::FieldErrors& errors);

}  // namespace gwsim
