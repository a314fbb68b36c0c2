// Sliding window counter (Cloudflare): counts of the previous and the current aligned
// window, estimate = prev * (window - elapsed) / window + curr; allowed iff estimate + cost
// <= limit. Approximate (assumes the previous window's traffic was uniform). Immutable
// parameters (share it); per-key SlidingCounterState is owned and guarded by the caller.
#pragma once

#include <cstdint>

#include "libgateway/core/time.h"
#include "libgateway/ratelimit/limit_decision.h"

namespace gateway {

// 16 bytes; counts fit 32 bits because they never exceed limit <= 1e9.
struct SlidingCounterState {
  TimePoint windowStart = 0;  // start of the window `curr` belongs to
  std::int32_t prev = 0;      // cost admitted in the window before it
  std::int32_t curr = 0;      // cost admitted in it
};

class SlidingCounter {
 public:
  using State = SlidingCounterState;

  // 1 <= limit <= 1e9, window >= 1 microsecond.
  SlidingCounter(std::int64_t limit, Duration window);

  State fresh(TimePoint now) const { return State{windowStartAt(now), 0, 0}; }

  // The comparison is exact: prev*(window-elapsed) + (curr+cost)*window <= limit*window in
  // 128-bit integers, no rounding of the estimate. remaining rounds the estimate up (never
  // promises more than the rule admits); retryAfter and resetAfter are exact microseconds.
  // Denied requests leave the state untouched; cost > limit is denied with kNever.
  LimitDecision acquire(State& state, TimePoint now, std::int64_t cost = 1) const;

  bool resting(const State& state, TimePoint now) const;

  std::int64_t limit() const { return limit_; }
  Duration window() const { return window_; }

 private:
  TimePoint windowStartAt(TimePoint t) const { return floorDiv(t, window_) * window_; }

  std::int64_t limit_;
  Duration window_;
};

}  // namespace gateway
