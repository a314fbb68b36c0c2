// Sliding log (Figma, Tyk): the times of the requests admitted in the last `window`; allowed
// iff admitted-in-(now - window, now] + cost <= limit. Exact, O(limit) memory per key.
// Immutable parameters (share it); per-key SlidingLogState is owned and guarded by the caller.
#pragma once

#include <cstdint>

#include "libgateway/core/time.h"
#include "libgateway/ratelimit/limit_decision.h"
#include "libgateway/ratelimit/sliding_log_state.h"

namespace gateway {

class SlidingLog {
 public:
  using State = SlidingLogState;

  // 1 <= limit <= 1e9, window >= 1 microsecond.
  SlidingLog(std::int64_t limit, Duration window);

  State fresh(TimePoint) const { return State{}; }

  // Exact integers throughout; retryAfter is the moment enough old admissions leave the
  // window. Denied requests change nothing but dropping expired entries; cost > limit is
  // denied with kNever. A `now` earlier than the newest entry is treated as that time.
  LimitDecision acquire(State& state, TimePoint now, std::int64_t cost = 1) const;

  bool resting(const State& state, TimePoint now) const {
    return state.empty() || state.newest().at <= now - window_;
  }

  std::int64_t limit() const { return limit_; }
  Duration window() const { return window_; }

 private:
  std::int64_t limit_;
  Duration window_;
};

}  // namespace gateway
