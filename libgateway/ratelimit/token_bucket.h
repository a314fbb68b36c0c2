// Token bucket (golang.org/x/time/rate, Envoy local_ratelimit): capacity `burst`, refilled at
// `rate`, starts full; a request of cost c passes if c tokens are there. The object holds
// only parameters and is immutable (share it freely); per-key TokenBucketState is owned by
// the caller (LimiterStore) and must be guarded by the caller.
#pragma once

#include <cstdint>

#include "libgateway/core/time.h"
#include "libgateway/ratelimit/invariant_divisor.h"
#include "libgateway/ratelimit/limit_decision.h"

namespace gateway {

// Tokens are counted in sub-units (1e-9 token, kSubUnitsPerRequest) so that refill is exact:
// `rateMilli` sub-units per microsecond. 16 bytes.
struct TokenBucketState {
  std::int64_t subTokens = 0;  // tokens at `last`, in sub-units, 0..burst*1e9
  TimePoint last = 0;          // time of the last admitted request (or creation)
};

class TokenBucket {
 public:
  using State = TokenBucketState;

  // rateMilli >= 1 (requests/s * 1000, at most 1e12), 1 <= burst <= 1e9
  // (validateLimiterSpec checks these).
  TokenBucket(std::int64_t rateMilli, std::int64_t burst);

  // The state of a key seen for the first time: a full bucket.
  State fresh(TimePoint now) const { return State{capacity_, now}; }

  // Refills to `now`, then takes `cost` tokens if there are that many. Denied requests leave
  // the state untouched. cost 0 is a query (always allowed, consumes nothing); cost > burst
  // is always denied with retryAfter = kNever. A `now` earlier than the state's last
  // admission is treated as that time (several threads may race on the clock).
  // Rounding: none in the state; retryAfter and resetAfter round up to the microsecond,
  // remaining rounds down.
  // Inline: it is the inner step of every LimiterStore decision.
  LimitDecision acquire(State& state, TimePoint now, std::int64_t cost = 1) const {
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
      d.retryAfter = rate_.ceil(cost * kSubUnitsPerRequest - tokens);
    }
    d.remaining = tokens / kSubUnitsPerRequest;
    d.resetAfter = rate_.ceil(capacity_ - tokens);
    return d;
  }

  // True when the bucket is full at `now`: forgetting the key loses nothing.
  bool resting(const State& state, TimePoint now) const { return refilled(state, now) == capacity_; }

  std::int64_t rateMilli() const { return rateMilli_; }
  std::int64_t burst() const { return burst_; }

 private:
  std::int64_t refilled(const State& state, TimePoint now) const {
    const Duration elapsed = now - state.last;
    if (elapsed <= 0) return state.subTokens;
    // elapsed < fillTime_ keeps elapsed * rateMilli_ below capacity_ + rateMilli_: no overflow.
    if (elapsed >= fillTime_) return capacity_;
    const std::int64_t tokens = state.subTokens + elapsed * rateMilli_;
    return tokens < capacity_ ? tokens : capacity_;
  }

  std::int64_t rateMilli_;
  std::int64_t burst_;
  std::int64_t capacity_;      // burst in sub-units
  Duration fillTime_;          // time to refill from empty, rounded up
  InvariantDivisor rate_;      // divides by rateMilli_ (sub-units per microsecond)
};

}  // namespace gateway
