#include "libgateway/ratelimit/sliding_counter.h"

namespace gateway {

namespace {

using i128 = __int128;

// floor(a * b / c) and ceil(a * b / c) for a, b >= 0 and c > 0, without overflow.
std::int64_t mulDivFloor(std::int64_t a, std::int64_t b, std::int64_t c) {
  std::int64_t p;
  if (!__builtin_mul_overflow(a, b, &p)) return p / c;
  return static_cast<std::int64_t>(static_cast<i128>(a) * b / c);
}

std::int64_t mulDivCeil(std::int64_t a, std::int64_t b, std::int64_t c) {
  std::int64_t p;
  if (!__builtin_mul_overflow(a, b, &p)) return ceilDiv(p, c);
  const i128 q = static_cast<i128>(a) * b;
  return static_cast<std::int64_t>(q / c + (q % c != 0));
}

}  // namespace

SlidingCounter::SlidingCounter(std::int64_t limit, Duration window) : limit_(limit), window_(window) {}

bool SlidingCounter::resting(const State& state, TimePoint now) const {
  const TimePoint start = windowStartAt(now);
  if (state.windowStart == start) return state.curr == 0 && state.prev == 0;
  if (state.windowStart == start - window_) return state.curr == 0;
  return state.windowStart < start;
}

LimitDecision SlidingCounter::acquire(State& state, TimePoint now, std::int64_t cost) const {
  LimitDecision d;
  if (cost < 0) cost = 0;
  // A caller whose clock lags into an older window is evaluated at the state's window start.
  const TimePoint at = now > state.windowStart ? now : state.windowStart;
  const TimePoint start = windowStartAt(at);
  std::int64_t prev = 0;
  std::int64_t curr = 0;
  if (state.windowStart == start) {
    prev = state.prev;
    curr = state.curr;
  } else if (state.windowStart == start - window_) {
    prev = state.curr;
  }
  const Duration elapsed = at - start;
  const Duration rest = window_ - elapsed;  // 1..window
  // Cost units of the previous window still counted, rounded up.
  const std::int64_t carried = mulDivCeil(prev, rest, window_);
  const i128 lhs = static_cast<i128>(prev) * rest + static_cast<i128>(curr + cost) * window_;
  if (cost > limit_) {
    d.retryAfter = kNever;
  } else if (lhs <= static_cast<i128>(limit_) * window_) {
    d.allowed = true;
    if (cost > 0) {
      curr += cost;
      state = State{start, static_cast<std::int32_t>(prev), static_cast<std::int32_t>(curr)};
    }
  } else {
    // Earliest time in this window where prev*(window - e) <= (limit - curr - cost)*window.
    const std::int64_t room = limit_ - curr - cost;
    TimePoint when = -1;
    if (room >= 0 && prev > 0) {
      const Duration e = window_ - mulDivFloor(room, window_, prev);
      if (e < window_) when = start + (e > elapsed ? e : elapsed + 1);
    }
    if (when < 0) {
      // The next window, where prev' = curr and curr' = 0; at worst the one after.
      const Duration e = curr == 0 ? 0 : window_ - mulDivFloor(limit_ - cost, window_, curr);
      when = start + window_ + (e > 0 ? e : 0);
    }
    d.retryAfter = when - now;
  }
  d.remaining = limit_ - curr - carried > 0 ? limit_ - curr - carried : 0;
  if (curr > 0) {
    d.resetAfter = start + 2 * window_ - now;
  } else if (prev > 0) {
    d.resetAfter = start + window_ - now;
  }
  return d;
}

}  // namespace gateway
