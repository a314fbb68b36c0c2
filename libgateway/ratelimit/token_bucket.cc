#include "libgateway/ratelimit/token_bucket.h"

namespace gateway {

TokenBucket::TokenBucket(std::int64_t rateMilli, std::int64_t burst)
    : rateMilli_(rateMilli),
      burst_(burst),
      capacity_(burst * kSubUnitsPerRequest),
      fillTime_(ceilDiv(burst * kSubUnitsPerRequest, rateMilli)) {}

std::int64_t TokenBucket::refilled(const State& state, TimePoint now) const {
  const Duration elapsed = now - state.last;
  if (elapsed <= 0) return state.subTokens;
  // elapsed < fillTime_ keeps elapsed * rateMilli_ below capacity_ + rateMilli_: no overflow.
  if (elapsed >= fillTime_) return capacity_;
  const std::int64_t tokens = state.subTokens + elapsed * rateMilli_;
  return tokens < capacity_ ? tokens : capacity_;
}

LimitDecision TokenBucket::acquire(State& state, TimePoint now, std::int64_t cost) const {
  LimitDecision d;
  if (cost < 0) cost = 0;
  std::int64_t tokens = refilled(state, now);
  if (cost > burst_) {
    d.retryAfter = kNever;
  } else if (tokens >= cost * kSubUnitsPerRequest) {
    tokens -= cost * kSubUnitsPerRequest;
    d.allowed = true;
    if (cost > 0) {
      state.subTokens = tokens;
      if (now > state.last) state.last = now;
    }
  } else {
    d.retryAfter = ceilDiv(cost * kSubUnitsPerRequest - tokens, rateMilli_);
  }
  d.remaining = tokens / kSubUnitsPerRequest;
  d.resetAfter = ceilDiv(capacity_ - tokens, rateMilli_);
  return d;
}

}  // namespace gateway
