// The counters of aggregation routes, as the policy report's "aggregate" section (one per
// SharedState, found by the stages through SharedState::stageShared, kept across reloads,
// keyed by route and part name):
//   {"routes": {ROUTE: {"complete", "partial", "failed",
//                       "parts": {PART: {"ok", "timeout", "5xx", "4xx", "circuit_open",
//                                        "rate_limited", "bad_response", "skipped",
//                                        "calls", "latency_ms_sum"}}}},
//    "totals": {"complete", "partial", "failed"}}
// `calls` counts the parts that ran (all but skipped ones), `latency_ms_sum` their time from
// the call's start to the end of its answer. Metrics: gateway_aggregate_answers_total{route,
// result}, gateway_aggregate_parts_total{route,part,status}, and the summary
// gateway_aggregate_part_duration_seconds{route,part} (_sum and _count). Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "libgateway/aggregate/aggregate_merge.h"
#include "libgateway/pipeline/policy_reporter.h"

namespace gateway {

class AggregateStats final : public PolicyReporter {
 public:
  // Counts one answer of `spec`'s route.
  void record(const AggregateSpec& spec, AggregateKind kind, const std::vector<PartResult>& results);

  std::string_view name() const override { return "aggregate"; }
  void snapshot(TimePoint now, nlohmann::json& out) const override;
  void metrics(TimePoint now, std::string& out) const override;

 private:
  struct PartCounters {
    std::array<std::uint64_t, kPartStatusCount> statuses{};
    std::uint64_t calls = 0;
    Duration latencySum = 0;
  };
  struct RouteCounters {
    std::array<std::uint64_t, 3> answers{};  // by AggregateKind
    std::map<std::string, PartCounters> parts;
  };

  mutable std::mutex mutex_;
  std::map<std::string, RouteCounters> routes_;
};

}  // namespace gateway
