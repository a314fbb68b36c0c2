// Concurrency limit (Stripe's concurrent-request limiter, Envoy max_requests): at most
// `limit` cost units in flight per key; acquire() on admission, release() when the response
// completes. Immutable parameters; per-key ConcurrencyState is owned and guarded by the caller.
#pragma once

#include <cstdint>

#include "libgateway/core/time.h"
#include "libgateway/ratelimit/limit_decision.h"

namespace gateway {

// 8 bytes.
struct ConcurrencyState {
  std::int64_t inFlight = 0;
};

class ConcurrencyLimit {
 public:
  using State = ConcurrencyState;

  // 1 <= limit <= 1e9.
  explicit ConcurrencyLimit(std::int64_t limit);

  State fresh(TimePoint) const { return State{}; }

  // Allowed iff inFlight + cost <= limit. A denial's retryAfter is kNever: no moment in
  // time helps, only a release (the caller may know when one is due; the replay does).
  // resetAfter is always 0. `now` is unused but kept for the common interface.
  LimitDecision acquire(State& state, TimePoint now, std::int64_t cost = 1) const;
  // Returns `cost` units; never goes below zero (a stray release is ignored).
  void release(State& state, TimePoint now, std::int64_t cost = 1) const;

  // Keys with requests in flight must not be forgotten (their releases would be lost).
  bool resting(const State& state, TimePoint) const { return state.inFlight == 0; }
  bool evictable(const State& state) const { return state.inFlight == 0; }

  std::int64_t limit() const { return limit_; }

 private:
  std::int64_t limit_;
};

}  // namespace gateway
