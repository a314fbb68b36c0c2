// `gwsim compare SCENARIO --vary PATH=V1,V2,... [--vary ...] [--format table|md|json|csv]`:
// runs every combination of the varied values with the same seed and traffic, in parallel
// on the available cores, and prints one table side by side.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "sim/command.h"

namespace gwsim {

struct Variation {
  std::string path;  // "rate_limits.tiers.free.algorithm" (gateway config) or "scenario.seed"
  std::vector<nlohmann::json> values;
};

// Parses "PATH=V1,V2"; values are JSON when they parse as JSON, strings otherwise.
std::optional<Variation> parseVariation(const std::string& text, std::string& error);
// Sets `value` at `path` in a scenario document (gateway inlined). Error text on failure.
bool applyVariation(nlohmann::json& document, const std::string& path, const nlohmann::json& value, std::string& error);

Command addCompareCommand(CLI::App& app);

}  // namespace gwsim
