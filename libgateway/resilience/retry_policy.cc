#include "libgateway/resilience/retry_policy.h"

#include <algorithm>

namespace gateway {

bool idempotentMethod(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "TRACE" || m == "PUT" || m == "DELETE";
}

bool RetryPolicy::allowsMethod(std::string_view method) const {
  return config_.nonIdempotent || idempotentMethod(method);
}

bool RetryPolicy::retriable(UpstreamOutcome outcome, int status) const {
  const std::uint32_t on = config_.retryOn;
  switch (outcome) {
    case UpstreamOutcome::kResponse:
      if (config_.statuses.contains(status)) return true;
      if ((on & kRetryOn5xx) && status >= 500) return true;
      if ((on & kRetryOnGatewayError) && (status == 502 || status == 503 || status == 504)) return true;
      return false;
    case UpstreamOutcome::kConnectError:
      return (on & (kRetryOn5xx | kRetryOnGatewayError | kRetryOnConnectFailure)) != 0;
    case UpstreamOutcome::kReset:
    case UpstreamOutcome::kProtocolError:
      return (on & (kRetryOn5xx | kRetryOnGatewayError | kRetryOnReset)) != 0;
    case UpstreamOutcome::kTimeout:
      return (on & (kRetryOn5xx | kRetryOnGatewayError | kRetryOnTimeout)) != 0;
  }
  return false;
}

Duration RetryPolicy::backoff(std::uint32_t retry, Random& random) const {
  if (config_.backoffBase <= 0) return 0;
  Duration cap = config_.backoffBase;
  for (std::uint32_t i = 0; i < retry && cap < config_.backoffMax; ++i) cap *= 2;
  cap = std::min(cap, config_.backoffMax);
  return static_cast<Duration>(random.uniform(static_cast<std::uint64_t>(cap) + 1));
}

}  // namespace gateway
