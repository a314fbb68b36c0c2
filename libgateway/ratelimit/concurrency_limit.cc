#include "libgateway/ratelimit/concurrency_limit.h"

namespace gateway {

ConcurrencyLimit::ConcurrencyLimit(std::int64_t limit) : limit_(limit) {}

LimitDecision ConcurrencyLimit::acquire(State& state, TimePoint, std::int64_t cost) const {
  LimitDecision d;
  if (cost < 0) cost = 0;
  if (cost <= limit_ - state.inFlight) {
    d.allowed = true;
    state.inFlight += cost;
  } else {
    d.retryAfter = kNever;
  }
  d.remaining = limit_ - state.inFlight > 0 ? limit_ - state.inFlight : 0;
  return d;
}

void ConcurrencyLimit::release(State& state, TimePoint, std::int64_t cost) const {
  if (cost < 0) cost = 0;
  state.inFlight = state.inFlight > cost ? state.inFlight - cost : 0;
}

}  // namespace gateway
