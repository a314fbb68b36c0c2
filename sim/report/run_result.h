// What one simulation run measured, and its reports: per route, client group and consumer;
// per instance; circuit-breaker transitions against the fault timeline; the per-second
// series; expectations; the trace hash. Plain values, filled during a run by the engine's
// RunRecorder and runScenario (sim/engine).
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/core/time.h"
#include "sim/report/content_report.h"
#include "sim/report/run_stats.h"

namespace gwsim {

struct InstanceReport {
  std::string service, instance;
  std::uint64_t received = 0, served = 0, rejected = 0, errors = 0, timedOut = 0, refused = 0, resets = 0,
                aborted = 0, hung = 0;
  std::uint32_t maxBusy = 0;
  std::size_t maxQueued = 0;
};

// What one service's circuit breaker did, measured against the scenario's fault timeline
// (the first fault on the service that makes it fail: down, flapping, abort >= 500, reset, hang).
struct BreakerReport {
  struct Transition {
    gateway::TimePoint at = 0;
    std::string from, to, reason;
  };
  std::string service;
  std::vector<Transition> transitions;  // the first 1,000
  std::uint64_t transitionCount = 0;
  std::optional<double> timeToOpenS;     // from the fault's start to the first OPEN
  std::optional<double> timeToRecoverS;  // from the fault's end to CLOSED again
  std::uint64_t falseTrips = 0;          // OPEN while no failure fault was active on the service
};

struct SecondSummary {
  std::int64_t second = 0;
  std::uint64_t requests = 0, s2xx = 0, s3xx = 0, s4xx = 0, s5xx = 0, s429 = 0, s502 = 0, s503 = 0, s504 = 0;
  double p50Ms = 0, p99Ms = 0, maxMs = 0;
};

// The routes row of requests no route matched.
inline constexpr const char* kUnrouted = "(none)";

struct ExpectationResult {
  std::string text;
  std::optional<double> actual;  // nullopt: the metric or label does not exist
  bool passed = false;
};

// A run with several gateway instances or cluster-scoped limits: the requests each instance
// took, and what the shared (simulated) Redis decided.
struct FleetReport {
  std::vector<std::uint64_t> requests;  // per instance
  std::uint64_t noInstance = 0;         // answered 503: every instance down
  std::uint64_t storeDecisions = 0, storeDenied = 0, storeFailed = 0, storeWindowAdds = 0;
  nlohmann::json toJson() const;
};

struct RunResult {
  std::string scenario;
  std::uint64_t seed = 0;
  gateway::Duration simulated = 0;
  std::uint64_t gatewayRequests = 0;  // every attempt, retries included
  std::uint64_t clientRequests = 0;   // first attempts
  std::uint64_t retries = 0;
  std::uint64_t events = 0;
  double wallSeconds = 0;
  std::uint64_t traceHash = 0;
  LatencyStats total;
  std::map<std::string, LatencyStats> routes;  // by route name; "(none)" for unrouted
  std::map<std::string, LatencyStats> groups;  // client-observed, by group
  std::unordered_map<std::string, ConsumerStats> consumers;
  std::vector<InstanceReport> instances;
  std::vector<SecondSummary> series;
  std::vector<ExpectationResult> expectations;
  std::uint64_t limiterAllowed = 0, limiterDenied = 0, limiterDelayed = 0;
  std::map<std::string, BreakerReport> breakers;  // services whose breaker changed state
  std::map<std::string, std::uint64_t> sentWhileFailing;  // tries sent to a service during its failure faults
  std::string failingService;  // the service of the scenario's first failure fault, if any
  ContentReport content;       // bytes, upstream requests, cache, partial answers (when enabled)
  std::optional<FleetReport> fleet;

  double jainFairness() const;    // over consumers' admitted/offered ratios
  double maxOvershoot() const;    // max over consumers of (most admitted in a window / quota)
  bool passed() const;
  nlohmann::json toJson() const;
  // The value of a metric for expectations and comparisons ("p99_ms", "status_429", ...).
  std::optional<double> metric(const std::string& name, const std::map<std::string, std::string>& labels) const;
};

// Which world a summary reports: a real run (gwload scenario) has no trace hash, events,
// in-gateway limiter counts or simulated instances, so those lines are left out.
enum class SummaryOf { kSimulation, kRealRun };
std::string formatRunSummary(const RunResult& result, SummaryOf of = SummaryOf::kSimulation);
void writeSeriesCsv(const RunResult& result, std::FILE* out);

}  // namespace gwsim
