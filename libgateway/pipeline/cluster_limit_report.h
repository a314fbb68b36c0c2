// The "cluster_limits" section of the policy report (policy_reporter.h): whether the cluster
// store answers, what was sent to it, what on_failure did, the transitions, the redirects a
// Redis Cluster gave, and the sync mode's counters. Registered by the rate-limit stage when
// the config names a cluster store; thread-safe (it reads atomics and locked counters).
#pragma once

#include <memory>

#include "libgateway/pipeline/policy_reporter.h"

namespace gateway {

class SharedState;

class ClusterLimitReport final : public PolicyReporter {
 public:
  explicit ClusterLimitReport(const SharedState& shared) : shared_(shared) {}
  std::string_view name() const override { return "cluster_limits"; }
  void snapshot(TimePoint now, nlohmann::json& out) const override;
  void metrics(TimePoint now, std::string& out) const override;

 private:
  const SharedState& shared_;
};

}  // namespace gateway
