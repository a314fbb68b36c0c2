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

std::map<std::string, std::shared_ptr<LimiterStore>> LimiterRegistry::all() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, std::shared_ptr<LimiterStore>> out;
  for (const auto& [id, e] : stores_) out.emplace(id, e.store);
  return out;
}

}  // namespace gateway
