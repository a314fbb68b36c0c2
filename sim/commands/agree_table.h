// The comparison behind `gwsim agree`: the simulated and the real result of one scenario,
// row by row (every route, the total, every client group) and metric by metric (requests,
// status classes, error kinds, latency percentiles), each cell with its relative difference
// (real - sim) / sim and, when the metric has a tolerance, its verdict. Counts below the
// minimum in both worlds, and the percentiles of a row with that few requests, are shown but
// not judged: their relative noise is large. Plain values; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/commands/agree_input.h"

namespace gwsim {

struct AgreeCell {
  enum class Verdict { kShown, kSmall, kWithin, kBeyond };
  std::string metric;  // "requests", "2xx", ..., "p50", "errors:connect"
  bool latency = false;
  std::optional<double> sim, real;  // nullopt: the row is missing in that world
  std::optional<double> diff;       // (real - sim) / sim; nullopt when sim is 0 and real is not, or one is missing
  std::optional<double> tolerance;
  Verdict verdict = Verdict::kShown;
};

struct AgreeRow {
  std::string kind;  // "route", "total", "group"
  std::string name;
  std::string onlyIn;  // "", "sim" or "real": the row is in one result only
  std::vector<AgreeCell> cells;
};

struct AgreeReport {
  std::vector<AgreeRow> rows;
  std::vector<std::string> notes;  // what was not compared and why
  std::size_t judged = 0, beyond = 0, small = 0;
  std::uint64_t minCount = 0;
  double minMs = 0;
  bool agrees() const { return beyond == 0; }
  // One line per cell beyond its tolerance: "route orders: 429 count sim 1200 real 1310 (+9.2% > 5%)".
  std::vector<std::string> failures() const;
};

// `minMs`: percentiles that differ by at most this many milliseconds are within any
// tolerance (a relative difference of sub-millisecond times is mostly noise).
AgreeReport compareAgreeResults(const AgreeResult& sim, const AgreeResult& real, const AgreeTolerances& tolerances,
                                std::uint64_t minCount, double minMs = 0);

// What the table's title says about the two results.
struct AgreeSources {
  std::string scenario;  // the scenario's name
  std::string sim;       // "simulated, seed 42" or the --sim file
  std::string real;      // the --real file
  std::optional<double> simSeconds, realSeconds;
};

std::string formatAgreeTable(const AgreeReport& report, const AgreeSources& sources);
nlohmann::json agreeReportJson(const AgreeReport& report, const AgreeSources& sources);

// "+9.2%", "-0.4%", "0.0%"; "new" when sim is 0 and real is not; "-" when a side is missing.
std::string formatAgreeDiff(const AgreeCell& cell);

}  // namespace gwsim
