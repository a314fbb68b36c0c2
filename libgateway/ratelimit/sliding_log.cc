#include "libgateway/ratelimit/sliding_log.h"

namespace gateway {

SlidingLog::SlidingLog(std::int64_t limit, Duration window) : limit_(limit), window_(window) {}

LimitDecision SlidingLog::acquire(State& state, TimePoint now, std::int64_t cost) const {
  LimitDecision d;
  if (cost < 0) cost = 0;
  const TimePoint at = state.empty() || now > state.newest().at ? now : state.newest().at;
  state.expire(at - window_);
  if (cost > limit_) {
    d.retryAfter = kNever;
  } else if (state.total() + cost <= limit_) {
    d.allowed = true;
    if (cost > 0) state.push(at, cost);
  } else {
    // Walk from the oldest admission until enough cost has left the window.
    std::int64_t left = state.total();
    std::uint32_t i = 0;
    while (left + cost > limit_) left -= state.entry(i++).cost;
    d.retryAfter = state.entry(i - 1).at + window_ - now;
  }
  d.remaining = limit_ - state.total();
  d.resetAfter = state.empty() ? 0 : state.newest().at + window_ - now;
  return d;
}

}  // namespace gateway
