#include "libgateway/ratelimit/fixed_window.h"

namespace gateway {

FixedWindow::FixedWindow(std::int64_t limit, Duration window) : limit_(limit), window_(window) {}

LimitDecision FixedWindow::acquire(State& state, TimePoint now, std::int64_t cost) const {
  LimitDecision d;
  if (cost < 0) cost = 0;
  const TimePoint start = windowStartAt(now);
  // A request whose clock lags into an older window is counted in the newest one.
  const bool current = state.windowStart >= start;
  std::int64_t count = current ? state.count : 0;
  const TimePoint windowEnd = (current ? state.windowStart : start) + window_;
  if (cost > limit_) {
    d.retryAfter = kNever;
  } else if (count + cost <= limit_) {
    d.allowed = true;
    if (cost > 0) {
      count += cost;
      state.count = count;
      if (!current) state.windowStart = start;
    }
  } else {
    d.retryAfter = windowEnd - now;
  }
  d.remaining = limit_ - count;
  d.resetAfter = count == 0 ? 0 : windowEnd - now;
  return d;
}

}  // namespace gateway
