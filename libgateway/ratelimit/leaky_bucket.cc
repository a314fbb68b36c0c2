#include "libgateway/ratelimit/leaky_bucket.h"

namespace gateway {

LeakyBucket::LeakyBucket(std::int64_t rateMilli, std::int64_t burst)
    : rateMilli_(rateMilli), rate_(rateMilli), burst_(burst), horizon_((burst + 1) * kSubUnitsPerRequest) {}

LimitDecision LeakyBucket::acquire(State& state, TimePoint now, std::int64_t cost) const {
  LimitDecision d;
  if (cost < 0) cost = 0;
  const __int128 nowTicks = ticks(now);
  constexpr __int128 kMaxAhead = std::int64_t{1} << 62;
  const __int128 ahead128 = state.nextSlot > nowTicks ? state.nextSlot - nowTicks : 0;
  // Ticks until the first free slot: the queue in front of a new request.
  std::int64_t ahead = static_cast<std::int64_t>(ahead128 < kMaxAhead ? ahead128 : kMaxAhead);
  if (cost > burst_ + 1) {
    d.retryAfter = kNever;
  } else if (ahead + cost * kSubUnitsPerRequest <= horizon_) {
    d.allowed = true;
    d.delay = rate_.ceil(ahead);
    if (cost > 0) {
      ahead += cost * kSubUnitsPerRequest;
      state.nextSlot = nowTicks + ahead;
    }
  } else {
    d.retryAfter = rate_.ceil(ahead + cost * kSubUnitsPerRequest - horizon_);
  }
  d.remaining = ahead < horizon_ ? (horizon_ - ahead) / kSubUnitsPerRequest : 0;
  d.resetAfter = rate_.ceil(ahead);
  return d;
}

}  // namespace gateway
