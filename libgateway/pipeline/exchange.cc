#include "libgateway/pipeline/exchange.h"

#include <fmt/format.h>

namespace gateway {

Exchange::Exchange() = default;

std::string Exchange::limiterDecision() const {
  if (!limitPolicy) return {};
  if (rateLimited) return fmt::format("deny:{} retry={}us", *limitPolicy, limitRetryAfter == kNever ? -1 : limitRetryAfter);
  if (limitDelay > 0) return fmt::format("delay:{} d={}us", *limitPolicy, limitDelay);
  return fmt::format("allow:{} r={}", *limitPolicy, limitRemaining);
}

}  // namespace gateway
