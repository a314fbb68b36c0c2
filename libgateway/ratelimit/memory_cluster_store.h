// A cluster store held in memory, for the simulator's shared Redis and for tests: decisions are
// taken with the local algorithms (whose semantics the Redis scripts reproduce exactly) and
// answered through a Scheduler after a round-trip latency. It can be taken down: while down, a
// call is answered ok=false after `timeout` (an unreachable server) or at once (refused). One
// object may serve several gateways that share one Scheduler (gwsim's instances); one thread.
// Concurrency units are held per holder ("m<n>") until released or until their lease has passed
// since the admission, as in Redis.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "libgateway/core/env.h"
#include "libgateway/ratelimit/cluster_store.h"
#include "libgateway/ratelimit/limiter_store.h"

namespace gateway {

class MemoryClusterStore final : public ClusterStore {
 public:
  struct Stats {
    std::int64_t decisions = 0, denied = 0, failed = 0, windowAdds = 0;
  };

  MemoryClusterStore(Scheduler& scheduler, Clock& clock) : scheduler_(scheduler), clock_(clock) {}

  void decide(const LimiterSpec& spec, std::string_view key, TimePoint now, std::int64_t cost, Duration lease,
              Done done) override;
  void release(std::string_view key, std::string_view holder, std::int64_t cost) override;
  void addToWindow(std::string_view key, std::int64_t window, std::int64_t delta, Duration ttl, Done done) override;

  // The round trip a call takes (answered at now + latency).
  void setLatency(Duration latency) { latency_ = latency; }
  Duration latency() const { return latency_; }
  // Down: calls fail, after `timeout` (unreachable) or at once when `refused`.
  void setDown(bool down, bool refused = false) {
    down_ = down;
    refused_ = refused;
  }
  void setTimeout(Duration timeout) { timeout_ = timeout; }
  bool down() const { return down_; }
  const Stats& stats() const { return stats_; }

 private:
  // The algorithm state of one policy (the key's prefix up to its last ':').
  LimiterStore& storeFor(std::string_view key, const LimiterSpec& spec);
  bool fail(Done& done);
  // Concurrency: gives back the units of `key`'s holders whose lease ended at or before `now`.
  void expireHolders(const std::string& key, LimiterStore& store, TimePoint now);

  struct Holder {
    std::string name;
    TimePoint leaseEnds;
    std::int64_t cost;
  };

  Scheduler& scheduler_;
  Clock& clock_;
  Duration latency_ = 0;
  Duration timeout_ = millis(50);
  bool down_ = false, refused_ = false;
  std::unordered_map<std::string, std::unique_ptr<LimiterStore>> stores_;
  std::unordered_map<std::string, std::pair<std::int64_t, std::int64_t>> windows_;  // key -> window, count
  std::unordered_map<std::string, std::vector<Holder>> holders_;  // concurrency key -> units in flight
  std::int64_t holderCount_ = 0;
  Stats stats_;
};

}  // namespace gateway
