// Applies a route's rate limits: the consumer's tier first (per consumer, across routes),
// then the route's named policies in config order (keyed per route). The first denial
// answers 429 with Retry-After and the limit headers; later limits are then not charged.
// Allowed responses carry the same headers (IETF draft-ietf-httpapi-ratelimit-headers:
// RateLimit-Policy / RateLimit, or the legacy X-RateLimit-* on request by config).
// A leaky bucket's delay holds the request (Exchange::limitDelay); a concurrency limit is
// released when the exchange finishes, whatever the outcome. Scope: per gateway instance,
// shared by its workers through SharedState's LimiterRegistry. One filter per Gateway.
#pragma once

#include <string>

#include <vector>

#include "libgateway/pipeline/exchange.h"
#include "libgateway/ratelimit/limit_decision.h"

namespace gateway {

class RateLimitFilter final : public RequestFilter {
 public:
  std::optional<Response> onRequest(Exchange& exchange) override;

  struct Applied {
    const RouteLimiter* limiter;
    const RateLimitPolicy* policy;
    LimitDecision decision;
  };

 private:
  // Reused per request (a filter belongs to one thread): no allocation on the hot path.
  std::vector<Applied> applied_;
  std::string keyBuffer_;
  std::string policyText_, stateText_;  // RateLimit-Policy and RateLimit values being built
};

// Whole seconds, rounded up, for Retry-After and the `t` / `w` header parameters.
std::int64_t ceilSeconds(Duration d);

}  // namespace gateway
