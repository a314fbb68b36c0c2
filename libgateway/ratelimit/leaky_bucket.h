// Leaky bucket as a queue (NGINX limit_req with `burst`, without `nodelay`): requests leave
// at a constant `rate`; a request that finds the queue non-empty is DELAYED (its delay is
// returned) while at most `burst` requests wait, and rejected when the queue is full.
// Immutable parameters (share it); per-key LeakyBucketState is owned and guarded by the caller.
#pragma once

#include <cstdint>

#include "libgateway/core/time.h"
#include "libgateway/ratelimit/invariant_divisor.h"
#include "libgateway/ratelimit/limit_decision.h"

namespace gateway {

// Ticks of 1/rateMilli microsecond, as in GcraState: one departure slot is exactly
// kSubUnitsPerRequest ticks. 16 bytes.
struct LeakyBucketState {
  __int128 nextSlot = 0;  // when the next departure slot is free, in ticks
};

class LeakyBucket {
 public:
  using State = LeakyBucketState;

  // rateMilli >= 1 (at most 1e12), 0 <= burst <= 1e9: the number of requests that may wait.
  LeakyBucket(std::int64_t rateMilli, std::int64_t burst);

  State fresh(TimePoint now) const { return State{ticks(now)}; }

  // A request of cost c takes c consecutive departure slots and is forwarded at the start of
  // the first: delay = max(nextSlot, now) - now. It is admitted iff it fits in the queue,
  // i.e. max(nextSlot, now) + c*T - now <= (burst + 1) * T: with cost 1 the first request
  // passes at once and `burst` more wait T, 2T, ... burst*T (NGINX: excess <= burst).
  // Denied requests leave the state untouched; cost > burst + 1 is denied with kNever.
  // Rounding: none in the state; delay, retryAfter and resetAfter round up to the
  // microsecond (never forward early), remaining (free queue places) rounds down.
  LimitDecision acquire(State& state, TimePoint now, std::int64_t cost = 1) const;

  // True when the queue is empty at `now`: forgetting the key loses nothing.
  bool resting(const State& state, TimePoint now) const { return state.nextSlot <= ticks(now); }

  std::int64_t rateMilli() const { return rateMilli_; }
  std::int64_t burst() const { return burst_; }

 private:
  __int128 ticks(TimePoint t) const { return static_cast<__int128>(t) * rateMilli_; }

  std::int64_t rateMilli_;
  InvariantDivisor rate_;  // divides by rateMilli_
  std::int64_t burst_;
  std::int64_t horizon_;  // (burst + 1) * T, in ticks
};

}  // namespace gateway
