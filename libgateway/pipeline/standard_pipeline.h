// The standard filter chain, in DESIGN.md's order, installed the same way in gatewayd and in
// gwsim so that both worlds run the same pipeline: consumer identification, then the rate
// limits (as they land: authorization, breakers, cache...).
#pragma once

#include "libgateway/pipeline/gateway.h"

namespace gateway {

void installStandardFilters(Gateway& gateway, SharedState& shared);

}  // namespace gateway
