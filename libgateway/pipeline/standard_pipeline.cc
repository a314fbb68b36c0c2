#include "libgateway/pipeline/standard_pipeline.h"

#include "libgateway/pipeline/consumer_filter.h"
#include "libgateway/pipeline/rate_limit_filter.h"

namespace gateway {

void installStandardFilters(Gateway& gateway, SharedState&) {
  gateway.addFilter(std::make_unique<ConsumerFilter>());
  gateway.addFilter(std::make_unique<RateLimitFilter>());
}

}  // namespace gateway
