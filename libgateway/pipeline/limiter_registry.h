// The rate-limit stores of one gateway instance, by policy identity. A reload keeps a
// policy's store (and so its counters) when the policy's name and spec are unchanged, and
// starts a fresh one when they change. Thread-safe; stores are shared by every worker.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "libgateway/config/config.h"
#include "libgateway/pipeline/cluster_limit.h"
#include "libgateway/ratelimit/limiter_store.h"

namespace gateway {

class LimiterRegistry {
 public:
  // `id` names the policy ("tier:free", "policy:orders-global"). Never null for a validated spec.
  std::shared_ptr<LimiterStore> get(const std::string& id, const LimiterSpec& spec, const RateLimitsConfig& limits);
  // The cluster-wide side of a cluster-scoped policy: its store keys, its local_fallback share
  // (a store of its own, "fallback:<id>") and the process's ClusterHealth.
  std::shared_ptr<const ClusterLimit> cluster(const std::string& id, const LimiterSpec& spec, const RateLimitsConfig& limits);
  // The health of the cluster store, shared by every cluster-scoped policy of the process.
  const std::shared_ptr<ClusterHealth>& clusterHealth() const { return health_; }
  // The sync mode's counters, by cluster key prefix, for the report.
  std::map<std::string, std::shared_ptr<WindowSync>> syncs() const {
    std::lock_guard lock(mutex_);
    return syncs_;
  }
  // Every store, for metrics and /stats.
  std::map<std::string, std::shared_ptr<LimiterStore>> all() const;

 private:
  struct Entry {
    LimiterSpec spec;
    std::int64_t maxKeys = 0;
    Duration idleTimeout = 0;
    std::shared_ptr<LimiterStore> store;
  };
  std::shared_ptr<ClusterHealth> health_ = std::make_shared<ClusterHealth>();
  mutable std::mutex mutex_;
  std::map<std::string, Entry> stores_;
  std::map<std::string, std::shared_ptr<WindowSync>> syncs_;  // by cluster key prefix
};

}  // namespace gateway
