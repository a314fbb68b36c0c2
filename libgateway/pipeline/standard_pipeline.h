// The standard filter chain, in DESIGN.md's order, installed the same way in gatewayd and in
// gwsim so that both worlds run the same pipeline: authentication and authorization
// (ConsumerFilter: API keys, JWTs, scopes), then the rate limits. The per-service resilience
// policies (concurrency caps, circuit breakers, outlier ejection, timeouts, retries) are not
// filters: they wrap each upstream try in Gateway::forward.
#pragma once

#include "libgateway/pipeline/gateway.h"

namespace gateway {

void installStandardFilters(Gateway& gateway, SharedState& shared);

}  // namespace gateway
