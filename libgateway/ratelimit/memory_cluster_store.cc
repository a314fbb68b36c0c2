#include "libgateway/ratelimit/memory_cluster_store.h"

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
    done(ClusterAnswer{false, {}, 0, refused ? "connection refused" : "timeout"});
  });
  return true;
}

void MemoryClusterStore::decide(const LimiterSpec& spec, std::string_view key, TimePoint now, std::int64_t cost,
                                Duration, Done done) {
  if (fail(done)) return;
  ClusterAnswer answer;
  answer.ok = true;
  answer.decision = storeFor(key, spec).decide(key, now, cost);
  ++stats_.decisions;
  if (!answer.decision.allowed) ++stats_.denied;
  scheduler_.schedule(clock_.now() + latency_, [done = std::move(done), answer] { done(answer); });
}

void MemoryClusterStore::release(std::string_view key, std::int64_t cost) {
  if (down_) return;
  if (auto it = stores_.find(std::string(policyPart(key))); it != stores_.end()) {
    it->second->release(key, clock_.now(), cost);
  }
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
