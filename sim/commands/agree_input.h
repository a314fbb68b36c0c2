// What `gwsim agree` reads: a run's summary in the format of `gwsim run --json` (the
// simulator's, or gwload's of the same scenario run for real), reduced to the figures it
// compares; and the tolerances given with --tolerance ("2xx=5%,429=5%,p50=20%"). Both are
// parsers of outside input: every error names what is wrong and where (a JSON Pointer into
// the result file, or the item of the tolerance string), and nothing throws.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/config/json_reader.h"

namespace gwsim {

// One row of a result: a route, a client group or the total.
struct AgreeStats {
  std::uint64_t requests = 0;
  std::uint64_t s2xx = 0, s3xx = 0, s4xx = 0, s429 = 0, s5xx = 0;  // s4xx: 4xx other than 429
  double p50Ms = 0, p90Ms = 0, p99Ms = 0;
  std::map<std::string, std::uint64_t> errors;  // error kinds (connect, reset, timeout, ...), when given
};

struct AgreeResult {
  std::string scenario;           // "" when the file does not name it
  std::optional<double> seconds;  // "simulated_s" (or "duration_s")
  AgreeStats total;
  std::map<std::string, AgreeStats> routes;
  bool hasGroups = false;  // the file has "groups"
  std::map<std::string, AgreeStats> groups;
  bool hasErrorKinds = false;  // some row has "errors"
};

// Reads a result document. Required in "total" and in every route and group: "requests",
// "status_2xx" .. "status_5xx", "status" (by code; 429 read from it) and "latency_ms" with
// "p50", "p90", "p99". Optional: "scenario", "simulated_s" (or "duration_s"), "routes",
// "groups", and per row "errors" (an object of error kinds and counts). Other fields are
// ignored. nullopt with every error in `errors`.
std::optional<AgreeResult> readAgreeResult(const nlohmann::json& doc, gateway::FieldErrors& errors);
// The same from JSON text (a syntax error is one error at "/").
std::optional<AgreeResult> readAgreeResultText(std::string_view text, gateway::FieldErrors& errors);

// The compared metrics, in table order. "errors" stands for every error kind.
inline const std::vector<std::string>& agreeCountMetrics() {
  static const std::vector<std::string> names = {"requests", "2xx", "3xx", "4xx", "429", "5xx"};
  return names;
}
inline const std::vector<std::string>& agreeLatencyMetrics() {
  static const std::vector<std::string> names = {"p50", "p90", "p99"};
  return names;
}

// Metric -> largest relative difference allowed (0.05 for 5%). A metric not in the map is
// shown but not judged.
using AgreeTolerances = std::map<std::string, double>;

// The defaults: 2xx 5%, 429 5%, p50 20%.
AgreeTolerances defaultAgreeTolerances();

// Applies "KEY=VALUE[,KEY=VALUE...]" over `into`: KEY one of requests, 2xx, 3xx, 4xx, 429,
// 5xx, p50, p90, p99, errors; VALUE a percentage ("5%", "5", "0.5%", from 0 to 1000) or
// "off" (not judged). False with `why` naming the bad item; `into` is then unchanged.
bool parseAgreeTolerances(std::string_view spec, AgreeTolerances& into, std::string& why);

// "5%", "0.5%", "12.25%".
std::string formatPercent(double fraction);

}  // namespace gwsim
