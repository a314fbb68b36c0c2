// What the circuit-breaker panel draws, per service with a breaker, from the policy
// snapshots only (the breaker's own state, never a copy of its logic): the current state and
// its config; at each snapshot the window's failure rate and slow-call rate (consecutive
// mode: the failures in a row) for the chart against the threshold; and every transition
// with its reason, kept in order by the breaker's own transition count.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tools/gwdash/model/dashboard_listener.h"
#include "tools/gwdash/model/policy_series.h"

namespace gwdash {

struct BreakerSample {
  std::string state;                   // "closed", "open", "half_open"
  std::optional<double> failureRate;   // percent; none in consecutive mode or an empty window
  std::optional<double> slowCallRate;  // percent; failure_rate mode only
  std::uint64_t calls = 0, failures = 0, slow = 0;  // consecutive mode: failures in a row
  std::uint64_t rejected = 0;          // ever
};

struct BreakerTransitionMark {
  std::uint64_t number = 0;  // 1 for the breaker's first transition
  gateway::TimePoint at = 0;
  std::string from, to, reason;
};

struct BreakerView {
  std::string service;
  std::string mode;                    // "consecutive", "failure_rate", "hystrix"
  nlohmann::json config;               // the snapshot's config object
  double failureRateThreshold = 0;     // percent (rate modes)
  std::optional<double> slowCallRateThreshold;  // failure_rate mode
  std::uint64_t minimumCalls = 0;
  std::uint64_t maxErrors = 0;         // consecutive mode
  std::string state = "closed";
  gateway::TimePoint since = 0;
  std::optional<gateway::TimePoint> openUntil;
  std::uint64_t trialsInFlight = 0, transitions = 0;
  TimedSamples<BreakerSample> samples;          // one per snapshot, the last 120 s
  std::vector<BreakerTransitionMark> history;   // oldest first, the last 120 s (and at least 64)

  bool consecutive() const { return mode == "consecutive"; }
  // The threshold the chart draws: percent, or max_errors in consecutive mode.
  double threshold() const { return consecutive() ? static_cast<double>(maxErrors) : failureRateThreshold; }
};

class BreakerModel : public DashboardListener {
 public:
  void reset(const DashboardContext& context) override;
  void onSnapshot(gateway::TimePoint now, const nlohmann::json& policies) override;
  void onConfig(const DashboardContext& context) override;

  gateway::TimePoint now() const { return now_; }
  // By service name (sorted); services of the config with a breaker appear before any snapshot.
  const std::map<std::string, BreakerView>& breakers() const { return breakers_; }
  const BreakerView* find(const std::string& service) const;
  std::string digest() const;

 private:
  void addConfigured(const DashboardContext& context);
  static void readBreaker(BreakerView& view, gateway::TimePoint now, const nlohmann::json& b);

  gateway::TimePoint now_ = 0;
  std::map<std::string, BreakerView> breakers_;
};

// "closed" -> 0, "open" -> 1, "half_open" -> 2 (the metrics' numbering), else -1.
int breakerStateIndex(const std::string& state);

}  // namespace gwdash
