#include "libgateway/ratelimit/gcra.h"

namespace gateway {

Gcra::Gcra(std::int64_t rateMilli, std::int64_t burst)
    : rateMilli_(rateMilli), rate_(rateMilli), burst_(burst), tau_(burst * kSubUnitsPerRequest) {}

LimitDecision Gcra::acquire(State& state, TimePoint now, std::int64_t cost) const {
  LimitDecision d;
  if (cost < 0) cost = 0;
  const __int128 nowTicks = ticks(now);
  // How far the TAT is ahead of now: 0..tau, more only if this caller's clock lags the one
  // that set the TAT (capped so that the sums below cannot overflow).
  constexpr __int128 kMaxAhead = std::int64_t{1} << 62;
  const __int128 ahead128 = state.tat > nowTicks ? state.tat - nowTicks : 0;
  std::int64_t ahead = static_cast<std::int64_t>(ahead128 < kMaxAhead ? ahead128 : kMaxAhead);
  if (cost > burst_) {
    d.retryAfter = kNever;
  } else if (ahead + cost * kSubUnitsPerRequest <= tau_) {
    d.allowed = true;
    if (cost > 0) {
      ahead += cost * kSubUnitsPerRequest;
      state.tat = nowTicks + ahead;
    }
  } else {
    d.retryAfter = rate_.ceil(ahead + cost * kSubUnitsPerRequest - tau_);
  }
  d.remaining = ahead < tau_ ? (tau_ - ahead) / kSubUnitsPerRequest : 0;
  d.resetAfter = rate_.ceil(ahead);
  return d;
}

}  // namespace gateway
