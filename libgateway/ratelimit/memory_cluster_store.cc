#include "libgateway/ratelimit/memory_cluster_store.h"

#include <algorithm>

namespace gateway {

namespace {
std::string_view policyPart(std::string_view key) {
  const auto colon = key.rfind(':');
  return colon == std::string_view::npos ? key : key.substr(0, colon);
}
}  // namespace

LimiterStore& MemoryClusterStore::storeFor(std::string_view key, const LimiterSpec& spec) {
  auto& store = stores_[std::string(policyPart(key))];
  if (!store) store = makeLimiter(spec);
  return *store;
}

bool MemoryClusterStore::fail(Done& done) {
  if (!down_) return false;
  ++stats_.failed;
  scheduler_.schedule(clock_.now() + (refused_ ? 0 : timeout_), [done = std::move(done), refused = refused_] {
    done(ClusterAnswer{false, {}, 0, refused ? "connection refused" : "timeout", {}});
  });
  return true;
}

void MemoryClusterStore::expireHolders(const std::string& key, LimiterStore& store, TimePoint now) {
  const auto it = holders_.find(key);
  if (it == holders_.end()) return;
  std::erase_if(it->second, [&](const Holder& h) {
    if (h.leaseEnds > now) return false;
    store.release(key, now, h.cost);
    return true;
  });
  if (it->second.empty()) holders_.erase(it);
}

void MemoryClusterStore::decide(const LimiterSpec& spec, std::string_view key, TimePoint now, std::int64_t cost,
                                Duration lease, Done done) {
  if (fail(done)) return;
  ClusterAnswer answer;
  answer.ok = true;
  LimiterStore& store = storeFor(key, spec);
  const bool concurrency = spec.algorithm == LimiterAlgorithm::kConcurrency;
  if (concurrency) expireHolders(std::string(key), store, now);
  answer.decision = store.decide(key, now, cost);
  if (concurrency && answer.decision.allowed && cost > 0) {
    answer.holder = "m" + std::to_string(++holderCount_);
    holders_[std::string(key)].push_back({answer.holder, now + concurrencyHoldFor(lease), cost});
  }
  ++stats_.decisions;
  if (!answer.decision.allowed) ++stats_.denied;
  scheduler_.schedule(clock_.now() + latency_, [done = std::move(done), answer] { done(answer); });
}

void MemoryClusterStore::release(std::string_view key, std::string_view holder, std::int64_t cost) {
  if (down_) return;
  const auto held = holders_.find(std::string(key));
  const auto store = stores_.find(std::string(policyPart(key)));
  if (held == holders_.end() || store == stores_.end()) return;
  // Only what the holder still holds (its lease may have ended, or it gave it back already).
  std::erase_if(held->second, [&](Holder& h) {
    if (h.name != holder) return false;
    const std::int64_t units = std::min(cost, h.cost);
    store->second->release(key, clock_.now(), units);
    h.cost -= units;
    return h.cost == 0;
  });
  if (held->second.empty()) holders_.erase(held);
}

void MemoryClusterStore::addToWindow(std::string_view key, std::int64_t window, std::int64_t delta, Duration,
                                     Done done) {
  if (fail(done)) return;
  auto& [w, count] = windows_[std::string(key)];
  // As the script: a newer window replaces the key's count, an older one adds nothing.
  if (window > w) {
    w = window;
    count = 0;
  }
  if (window == w) count += delta;
  ++stats_.windowAdds;
  ClusterAnswer answer;
  answer.ok = true;
  answer.count = window == w ? count : 0;
  scheduler_.schedule(clock_.now() + latency_, [done = std::move(done), answer] { done(answer); });
}

}  // namespace gateway
