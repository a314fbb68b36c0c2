// Bytes into the field rules of the response transformation and aggregation parts
// (libgateway/transform/field_rules.*): the whole input as a field path (parseFieldPath) and
// as an Accept-Encoding value; and, when it is the JSON array [rules, document], the rules
// loaded (loadFieldRules) and applied to the document. Invariants: a parsed path has key and
// [] steps that print back as the input, the last a key; a refused one says at which
// character (inside the input) and what; loader errors name JSON paths in the rules; applying
// an allow list or a deny list keeps a subset of the document (the same values at the same
// places, array elements in order) and a second run changes nothing; renames keep every
// value; q-values stay within 0-1000.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "libgateway/transform/compression.h"
#include "libgateway/transform/field_rules.h"

namespace {

using nlohmann::json;

std::string printFieldPath(const gateway::FieldPath& path) {
  std::string out;
  for (std::size_t i = 0; i < path.steps.size(); ++i) {
    if (path.steps[i].each) {
      out += "[]";
    } else {
      if (i > 0) out += '.';
      out += path.steps[i].key;
    }
  }
  return out;
}

void checkFieldPath(std::string_view text) {
  std::string why;
  const auto path = gateway::parseFieldPath(text, why);
  if (!path) {
    FUZZ_CHECK(why.starts_with("at character "), "an error without its place: " + why);
    const std::size_t at = std::stoul(why.substr(13));
    FUZZ_CHECK(at >= 1 && at <= text.size() + 1, "a place outside the path: " + why);
    FUZZ_CHECK(why.find(": ") != std::string::npos && why.size() > why.find(": ") + 2, "an error without a reason: " + why);
    return;
  }
  FUZZ_CHECK(!path->steps.empty() && !path->steps.back().each, "a path that does not end in a key");
  FUZZ_CHECK(path->steps.size() <= gateway::kMaxFieldPathSteps, "too many steps");
  for (const auto& step : path->steps) {
    FUZZ_CHECK(step.each == step.key.empty(), "a key step without a key, or an each step with one");
    FUZZ_CHECK(step.key.find_first_of(".[]") == std::string::npos, "a key with a separator: " + step.key);
  }
  FUZZ_CHECK(printFieldPath(*path) == text, "prints back as " + printFieldPath(*path));
}

// Whether `part` sits inside `whole`: same scalars, object members a subset, array elements
// a subsequence (matched greedily, which is exact for subsequences).
bool fieldSubset(const json& part, const json& whole) {
  if (part.is_object()) {
    if (!whole.is_object()) return false;
    for (const auto& [key, value] : part.items()) {
      const auto it = whole.find(key);
      if (it == whole.end() || !fieldSubset(value, *it)) return false;
    }
    return true;
  }
  if (part.is_array()) {
    if (!whole.is_array()) return false;
    std::size_t j = 0;
    for (const auto& element : part) {
      while (j < whole.size() && !fieldSubset(element, whole[j])) ++j;
      if (j++ >= whole.size()) return false;
    }
    return true;
  }
  return part == whole;
}

std::size_t scalarCount(const json& value) {
  if (!value.is_structured()) return 1;
  std::size_t n = 0;
  for (const auto& child : value) n += scalarCount(child);
  return n;
}

// Loads the rules with only `keep` of the three members.
gateway::FieldRules rulesWith(const json& rules, std::string_view keep) {
  json only = json::object();
  if (rules.contains(keep)) only[keep] = rules[keep];
  gateway::FieldErrors errors;
  return gateway::loadFieldRules(only, "", errors);
}

void checkApply(const json& rules, const json& document) {
  gateway::FieldErrors errors;
  const gateway::FieldRules all = gateway::loadFieldRules(rules, "", errors);
  gateway::fuzz::checkFieldErrors(errors, errors.empty(), rules);
  json combined = document;
  all.apply(combined);
  FUZZ_CHECK(scalarCount(combined) <= scalarCount(document), "values appeared: " + combined.dump());
  (void)combined.dump();  // never throws on what it made

  for (std::string_view member : {"allow", "deny"}) {
    const gateway::FieldRules one = rulesWith(rules, member);
    json once = document;
    one.apply(once);
    const bool emptied = once.is_null() || (once.is_structured() && once.empty());
    FUZZ_CHECK(emptied || fieldSubset(once, document), std::string(member) + " kept what was not there: " + once.dump());
    json twice = once;
    const auto stats = one.apply(twice);
    FUZZ_CHECK(twice == once, std::string(member) + " is not idempotent: " + once.dump() + " then " + twice.dump());
    FUZZ_CHECK(stats.removed == 0, std::string(member) + " removed more the second time");
  }
  const gateway::FieldRules renames = rulesWith(rules, "rename");
  json renamed = document;
  const auto stats = renames.apply(renamed);
  FUZZ_CHECK(scalarCount(renamed) == scalarCount(document), "a rename lost or made a value: " + renamed.dump());
  FUZZ_CHECK(stats.removed == 0, "renames removed something");
  if (stats.renamed == 0) FUZZ_CHECK(renamed == document, "changed without a rename: " + renamed.dump());
}

void checkAcceptEncoding(std::string_view text) {
  const gateway::AcceptEncoding accept = gateway::parseAcceptEncoding(text);
  for (auto coding : {gateway::ContentCoding::kIdentity, gateway::ContentCoding::kGzip, gateway::ContentCoding::kBrotli}) {
    const int q = accept.quality(coding);
    FUZZ_CHECK(q >= 0 && q <= 1000, "a q-value out of range");
  }
  constexpr std::array offered = {gateway::ContentCoding::kBrotli, gateway::ContentCoding::kGzip};
  const auto chosen = gateway::negotiateCoding(accept, offered);
  FUZZ_CHECK(chosen == gateway::ContentCoding::kIdentity || accept.quality(chosen) > 0, "a refused coding chosen");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  checkFieldPath(text);
  checkAcceptEncoding(text);
  if (!gateway::jsonNestingWithin(text, 64)) return 0;  // the checks above recurse
  const json input = json::parse(text, nullptr, false);
  if (input.is_discarded() || !input.is_array() || input.size() != 2) return 0;
  checkApply(input[0], input[1]);
  return 0;
}
