#include "libgateway/ratelimit/token_bucket.h"

namespace gateway {

TokenBucket::TokenBucket(std::int64_t rateMilli, std::int64_t burst)
    : rateMilli_(rateMilli),
      burst_(burst),
      capacity_(burst * kSubUnitsPerRequest),
      fillTime_(ceilDiv(burst * kSubUnitsPerRequest, rateMilli)),
      rate_(rateMilli) {}

}  // namespace gateway
