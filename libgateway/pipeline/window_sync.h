// The approximate ("sync") mode of a cluster-scoped fixed window (Kong's sync_rate): each
// gateway instance decides locally against the cluster's count as last read plus what it
// admitted since, and adds its own count to Redis once per sync interval, reading the total
// back. Decisions cost no round trip; the price is overshoot: every instance may admit up to
// what the others admitted within one interval and did not report yet. One per cluster-scoped
// policy, shared by the workers of a process; thread-safe (one mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "libgateway/core/time.h"
#include "libgateway/ratelimit/cluster_store.h"
#include "libgateway/ratelimit/limit_decision.h"

namespace gateway {

struct ClusterLimit;

class WindowSync : public std::enable_shared_from_this<WindowSync> {
 public:
  struct Stats {
    std::int64_t keys = 0;     // keys counted now
    std::int64_t flushes = 0;  // counts sent to the cluster store
    std::int64_t failed = 0;   // of which not answered (their counts are sent again)
  };

  // A fixed-window decision for `storeKey` (cost 1); may send this instance's counts through
  // `store` (the calling worker's) when the policy's sync interval has passed for the key.
  // `now` is the gateway's clock (intervals, the store's health); `unixNow` the same instant on
  // the Unix clock, which numbers the windows alike on every instance.
  LimitDecision decide(ClusterStore& store, const ClusterLimit& limit, const std::string& storeKey,
                       const LimiterSpec& spec, TimePoint now, TimePoint unixNow);
  Stats stats() const;

 private:
  struct Counter {
    std::int64_t window = INT64_MIN;  // window number (now / window length)
    std::int64_t known = 0;           // the cluster's count, as last read (ours included)
    std::int64_t pending = 0;         // admitted here, not sent yet
    std::int64_t sending = 0;         // sent, not answered yet
    TimePoint lastSent = 0;
    bool everSent = false;            // the first count goes at once: it reads the cluster's
  };
  void sweep(std::int64_t window);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Counter> counters_;
  std::int64_t sweptWindow_ = INT64_MIN;
  std::int64_t flushes_ = 0, failed_ = 0;
};

}  // namespace gateway
