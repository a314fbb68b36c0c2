// The answer of one rate-limit decision, shared by every algorithm and by LimiterStore.
// Plain value, no ownership. Durations are whole microseconds rounded UP (never earlier
// than the limiter allows); `remaining` is rounded DOWN (never more than the limiter allows).
#pragma once

#include <cstdint>

#include "libgateway/core/time.h"

namespace gateway {

// One unit of cost is split into this many sub-units ("nano-requests"), so that a rate in
// thousandths of a request per second (LimiterSpec::rateMilli) refills exactly `rateMilli`
// sub-units per microsecond: no rounding anywhere in the limiter state.
inline constexpr std::int64_t kSubUnitsPerRequest = 1'000'000'000;

struct LimitDecision {
  bool allowed = false;
  // Whole cost-1 requests the key could still pass at `now`, after this decision.
  std::int64_t remaining = 0;
  // Denied: the earliest offset from `now` at which the same request (same cost, no other
  // traffic on the key) is admitted; it is denied at retryAfter - 1. kNever when no point in
  // time will do: cost above the capacity, or a concurrency limit (only a release helps).
  // 0 when allowed.
  Duration retryAfter = 0;
  // Allowed: how long to hold the request before forwarding it (leaky_bucket); else 0.
  Duration delay = 0;
  // Time until the whole quota is available again if no more requests arrive (the `t` of
  // the `RateLimit` header). 0 when the quota is full; 0 for concurrency (no time basis).
  Duration resetAfter = 0;

  bool operator==(const LimitDecision&) const = default;
};

// Integer ceiling division for a non-negative numerator and a positive divisor.
constexpr std::int64_t ceilDiv(std::int64_t n, std::int64_t d) { return n / d + (n % d != 0); }

// Floor division that is correct for negative numerators (window alignment before t=0).
constexpr std::int64_t floorDiv(std::int64_t n, std::int64_t d) {
  const std::int64_t q = n / d;
  return (n % d != 0 && ((n < 0) != (d < 0))) ? q - 1 : q;
}

}  // namespace gateway
