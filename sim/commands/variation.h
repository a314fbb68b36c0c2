// `gwsim compare --vary PATH=V1,V2,...`: parsing a variation, setting a value at a dotted path
// of a scenario document, and the variants to run: every combination of the variations, and
// the scenario as written beside them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gwsim {

struct Variation {
  std::string path;  // "rate_limits.tiers.free.algorithm" (gateway config) or "scenario.seed"
  std::vector<nlohmann::json> values;
};

// Parses "PATH=V1,V2"; values are JSON when they parse as JSON, strings otherwise; the list
// is split at commas outside brackets, braces and quotes, so a value may be a JSON object.
std::optional<Variation> parseVariation(const std::string& text, std::string& error);
// Sets `value` at `path` in a scenario document (gateway inlined); null removes an object's
// field instead (the config's default, or no cache on a route). Error text on failure.
bool applyVariation(nlohmann::json& document, const std::string& path, const nlohmann::json& value, std::string& error);
// The value at `path` in a scenario document (gateway inlined); nullopt when nothing is there.
std::optional<nlohmann::json> valueAt(const nlohmann::json& document, const std::string& path);

struct Variant {
  std::string label;        // "hystrix", "algorithm=gcra rate=50", "gcra (as written)"
  nlohmann::json document;  // the scenario with the variant's values set
  bool asWritten = false;   // the document is the scenario as written
};

struct VariantPlan {
  std::string header;  // the first column's name: the path when one is varied, else "variant"
  std::vector<Variant> variants;
};

// The cartesian product of `vary` (each "PATH=V1,V2,...", in the order given) over `base`,
// plus the scenario as written: marked on the variant identical to it, or added as the first
// row when none is. Empty `vary`: the scenario as written alone. nullopt with `error` on a
// malformed --vary, a path given twice, a value given twice or a path that cannot be set.
std::optional<VariantPlan> planVariants(const nlohmann::json& base, const std::vector<std::string>& vary,
                                        std::string& error);

}  // namespace gwsim
