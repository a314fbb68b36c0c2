// gwload's report of one run: the settings, what was measured, the derived rates, the
// threshold verdicts; as text (for people) or JSON (for scripts: stable field names,
// documented in tools/gwload/README.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/gwload/load_result.h"
#include "tools/gwload/schedule.h"
#include "tools/gwload/threshold.h"

namespace gwload {

struct RateSettings {
  std::string url;
  std::string method = "GET";
  Arrival arrival = Arrival::kConstant;
  double rate = 0;            // requests per second, all threads together
  double durationS = 0;       // measured part
  double warmupS = 0;         // sent before it, not measured
  std::uint64_t seed = 1;
  std::size_t connectionsMax = 0;  // per thread
  double timeoutMs = 0;
  int threads = 1;
};

struct Report {
  RateSettings settings;
  LoadResult result;
  gateway::TimePoint measureStart = 0;  // the intended time of the first measured request

  // Measured requests that went on the wire per second: what the target was offered.
  double achievedRate() const;
  double dispatchRate() const;    // measured requests gwload dispatched per second
  double throughput() const;      // measured requests completed per second
  // What the schedule itself offered, measured requests per second of the duration: the
  // intended rate for constant arrivals, within a few percent of it for Poisson ones.
  double scheduledRate() const;
  // gwload could not keep its schedule: it dispatched below 99% of the scheduled rate.
  bool fellBehind() const;
  std::string behindMessage() const;  // "fell behind: achieved X/s of Y/s, send lag p99 Z ms"
  // gwload kept up, but below 99% of the scheduled rate went on the wire: requests waited for
  // a connection (all --connections-max busy) because answers came back too slowly for the
  // rate (a slow target; or, with gwload's CPU saturated, answers read late).
  bool targetBehind() const;
  std::string targetMessage() const;
  // A threshold metric's value (threshold.h knownMetrics()); nullopt for an unknown name.
  std::optional<double> metric(std::string_view name) const;
};

struct Verdict {
  Threshold threshold;
  double actual = 0;
  bool passed = false;
};

std::vector<Verdict> evaluate(const Report& report, const std::vector<Threshold>& thresholds);

std::string formatText(const Report& report, const std::vector<Verdict>& verdicts);
nlohmann::json toJson(const Report& report, const std::vector<Verdict>& verdicts);

}  // namespace gwload
