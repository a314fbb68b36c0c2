// Token bucket (golang.org/x/time/rate, Envoy local_ratelimit): capacity `burst`, refilled at
// `rate`, starts full; a request of cost c passes if c tokens are there. The object holds
// only parameters and is immutable (share it freely); per-key TokenBucketState is owned by
// the caller (LimiterStore) and must be guarded by the caller.
#pragma once

#include <cstdint>

#include "libgateway/core/time.h"
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
  LimitDecision acquire(State& state, TimePoint now, std::int64_t cost = 1) const;

  // True when the bucket is full at `now`: forgetting the key loses nothing.
  bool resting(const State& state, TimePoint now) const { return refilled(state, now) == capacity_; }

  std::int64_t rateMilli() const { return rateMilli_; }
  std::int64_t burst() const { return burst_; }

 private:
  std::int64_t refilled(const State& state, TimePoint now) const;

  std::int64_t rateMilli_;
  std::int64_t burst_;
  std::int64_t capacity_;      // burst in sub-units
  Duration fillTime_;          // time to refill from empty, rounded up
};

}  // namespace gateway
