// Fixed window counter (Kong rate-limiting, Envoy ratelimit service): windows aligned to
// multiples of `window` since t=0, at most `limit` cost units per window — so up to 2x the
// limit across a boundary. Immutable parameters (share it); per-key FixedWindowState is
// owned and guarded by the caller.
#pragma once

#include <cstdint>

#include "libgateway/core/time.h"
#include "libgateway/ratelimit/limit_decision.h"

namespace gateway {

// 16 bytes.
struct FixedWindowState {
  TimePoint windowStart = 0;  // start of the window `count` belongs to
  std::int64_t count = 0;     // cost admitted in that window
};

class FixedWindow {
 public:
  using State = FixedWindowState;

  // 1 <= limit <= 1e9, window >= 1 microsecond.
  FixedWindow(std::int64_t limit, Duration window);

  State fresh(TimePoint now) const { return State{windowStartAt(now), 0}; }

  // Allowed iff count + cost <= limit in the window containing `now`; retryAfter is the next
  // window start. Exact integer arithmetic; denied requests leave the state untouched;
  // cost > limit is denied with kNever; cost 0 is a query.
  LimitDecision acquire(State& state, TimePoint now, std::int64_t cost = 1) const;

  bool resting(const State& state, TimePoint now) const {
    return state.count == 0 || state.windowStart != windowStartAt(now);
  }

  std::int64_t limit() const { return limit_; }
  Duration window() const { return window_; }

 private:
  TimePoint windowStartAt(TimePoint t) const { return floorDiv(t, window_) * window_; }

  std::int64_t limit_;
  Duration window_;
};

}  // namespace gateway
