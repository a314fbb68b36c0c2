#include "libgateway/pipeline/limiter_registry.h"

namespace gateway {

namespace {
bool sameSpec(const LimiterSpec& a, const LimiterSpec& b) {
  return a.algorithm == b.algorithm && a.rateMilli == b.rateMilli && a.burst == b.burst && a.limit == b.limit &&
         a.window == b.window;
}
}  // namespace

std::shared_ptr<LimiterStore> LimiterRegistry::get(const std::string& id, const LimiterSpec& spec,
                                                   const RateLimitsConfig& limits) {
  std::lock_guard lock(mutex_);
  auto it = stores_.find(id);
  if (it != stores_.end() && sameSpec(it->second.spec, spec) && it->second.maxKeys == limits.maxKeys &&
      it->second.idleTimeout == limits.idleTimeout) {
    return it->second.store;
  }
  LimiterStoreOptions options;
  options.maxKeys = limits.maxKeys;
  options.idleTimeout = limits.idleTimeout;
  std::shared_ptr<LimiterStore> store = makeLimiter(spec, options);
  stores_[id] = Entry{spec, limits.maxKeys, limits.idleTimeout, store};
  return store;
}

std::shared_ptr<const ClusterLimit> LimiterRegistry::cluster(const std::string& id, const LimiterSpec& spec,
                                                             const RateLimitsConfig& limits) {
  auto limit = std::make_shared<ClusterLimit>();
  limit->settings = &limits.cluster;
  limit->keyPrefix = clusterKeyPrefix(limits.cluster.keyPrefix, id, spec);
  if (limits.cluster.onFailure == ClusterLimitFailure::kLocalFallback || limits.cluster.mode == ClusterLimitMode::kSplit) {
    limit->fallback = get("fallback:" + id, instanceShare(spec, limits.cluster.instances), limits);
  }
  limit->health = health_;
  if (limits.cluster.mode == ClusterLimitMode::kSync) {
    // A reload keeps the counts of an unchanged policy (a fresh one would read 0 until its first sync).
    std::lock_guard lock(mutex_);
    auto& sync = syncs_[limit->keyPrefix];
    if (!sync) sync = std::make_shared<WindowSync>();
    limit->sync = sync;
  }
  return limit;
}

std::map<std::string, std::shared_ptr<LimiterStore>> LimiterRegistry::all() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, std::shared_ptr<LimiterStore>> out;
  for (const auto& [id, e] : stores_) out.emplace(id, e.store);
  return out;
}

}  // namespace gateway
