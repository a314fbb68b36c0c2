// GCRA, the generic cell rate algorithm (redis-cell, throttled): one theoretical arrival time
// (TAT) per key. Formulated so that it takes exactly the same decisions as TokenBucket with
// the same rate and burst (same allowed, remaining, retryAfter, resetAfter). The object is
// immutable parameters (share it); per-key GcraState is owned and guarded by the caller.
#pragma once

#include <cstdint>

#include "libgateway/core/time.h"
#include "libgateway/ratelimit/invariant_divisor.h"
#include "libgateway/ratelimit/limit_decision.h"

namespace gateway {

// Time is kept in ticks of 1/rateMilli microsecond, in which the emission interval
// T = 1/rate is exactly kSubUnitsPerRequest ticks: no rounding in the state. 16 bytes.
struct GcraState {
  __int128 tat = 0;  // theoretical arrival time, in ticks (microseconds * rateMilli)
};

class Gcra {
 public:
  using State = GcraState;

  // rateMilli >= 1 (at most 1e12), 1 <= burst <= 1e9 (validateLimiterSpec checks these).
  Gcra(std::int64_t rateMilli, std::int64_t burst);

  State fresh(TimePoint now) const { return State{ticks(now)}; }

  // new_tat = max(tat, now) + T*cost; allowed iff new_tat - now <= tau = T*burst, so
  // `burst` requests pass at once. Denied requests leave the state untouched; cost 0 is a
  // query; cost > burst is denied with retryAfter = kNever.
  // Rounding: none in the state; retryAfter and resetAfter round up to the microsecond,
  // remaining rounds down (identical to TokenBucket, see token_bucket.h).
  LimitDecision acquire(State& state, TimePoint now, std::int64_t cost = 1) const;

  // True when the TAT has passed: forgetting the key loses nothing.
  bool resting(const State& state, TimePoint now) const { return state.tat <= ticks(now); }

  std::int64_t rateMilli() const { return rateMilli_; }
  std::int64_t burst() const { return burst_; }

 private:
  __int128 ticks(TimePoint t) const { return static_cast<__int128>(t) * rateMilli_; }

  std::int64_t rateMilli_;
  InvariantDivisor rate_;  // divides by rateMilli_
  std::int64_t burst_;
  std::int64_t tau_;  // burst * T, in ticks
};

}  // namespace gateway
