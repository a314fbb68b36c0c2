// A config compiled for serving: the route table, and per service its load balancer and
// in-flight counters. Built once per config (load or reload) and shared, immutable in
// shape, by every Gateway of the process; the counters and balancer cursors inside are
// thread-safe. Requests hold a shared_ptr to the runtime they started on, so a reload
// never pulls a table from under a request in flight.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "libgateway/auth/jwt_verifier.h"
#include "libgateway/balancing/load_balancer.h"
#include "libgateway/config/config.h"
#include "libgateway/pipeline/limiter_registry.h"
#include "libgateway/pipeline/upstream_call.h"
#include "libgateway/resilience/resilience_registry.h"
#include "libgateway/resilience/retry_policy.h"
#include "libgateway/routing/route_table.h"

namespace gateway {

struct ServiceRuntime {
  const ServiceConfig* config = nullptr;
  std::unique_ptr<InFlightCounters> inFlight;
  std::unique_ptr<LoadBalancer> balancer;
  // Resilience policies (from ResilienceRegistry, so they outlive a reload); null when the
  // service does not configure them. The retry budget always exists.
  std::shared_ptr<CircuitBreaker> breaker;
  std::shared_ptr<OutlierDetector> outliers;
  std::shared_ptr<ConcurrencyLimiter> concurrency;
  std::shared_ptr<RetryBudget> retryBudget;
};

// One limit that applies to a route: a named policy or the consumer tiers.
struct RouteLimiter {
  RouteLimiter(const RateLimitPolicy* p, std::shared_ptr<LimiterStore> s);
  const RateLimitPolicy* policy = nullptr;
  std::shared_ptr<LimiterStore> store;
  // Set when the policy is cluster-scoped: decisions go to the cluster store (Env::clusterStore).
  std::shared_ptr<const ClusterLimit> cluster;
  // Its item of the draft RateLimit-Policy header ("free";q=100;w=60, rateLimitPolicyItem),
  // the same on every response, so made once.
  std::string draftPolicyItem;
};

struct RouteRuntime {
  std::vector<RouteLimiter> limiters;   // the route's named policies, in config order
  bool perConsumer = false;             // the consumer's tier applies too (checked first)
  CallTarget target;                    // where its upstream call goes: services, retries, Host
  std::uint64_t stageMask = ~std::uint64_t{0};  // the standard stages that apply (stage_list.h)
};

class GatewayRuntime {
 public:
  // Stores for rate-limit policies come from `limiters`, and breakers, outlier detectors,
  // concurrency limiters and retry budgets from `resilience`, so their state survives a reload.
  GatewayRuntime(std::shared_ptr<const Config> config, LimiterRegistry& limiters, ResilienceRegistry& resilience);

  const Config& config() const { return *config_; }
  const std::shared_ptr<const Config>& configPtr() const { return config_; }
  const RouteTable& routes() const { return routeTable_; }
  const RouteRuntime& route(std::size_t i) const { return routes_[i]; }
  ServiceRuntime& service(std::size_t i) const { return services_[i]; }
  std::size_t serviceCount() const { return services_.size(); }
  // The consumer owning an API key, by the key's SHA-256 digest (consumer_stage.h).
  const ConsumerConfig* consumerByKeyDigest(const std::string& digest) const;
  // The consumer whose jwt_subject is `subject`, or nullptr.
  const ConsumerConfig* consumerBySubject(const std::string& subject) const;
  // Null when auth.jwt is not configured.
  const JwtVerifier* jwtVerifier() const { return jwt_.get(); }
  // The store of a consumer tier, or nullptr for an unknown tier.
  const RouteLimiter* tier(const std::string& name) const;

 private:
  std::shared_ptr<const Config> config_;
  RouteTable routeTable_;
  std::vector<RouteRuntime> routes_;
  mutable std::vector<ServiceRuntime> services_;
  std::unordered_map<std::string, std::size_t> consumerByKey_;  // SHA-256 digest -> consumer index
  std::unordered_map<std::string, std::size_t> consumerBySubject_;
  // Sorted by name (a config has a handful of tiers: a scan beats a tree or a hash).
  std::vector<std::pair<std::string, RouteLimiter>> tiers_;
  std::unique_ptr<JwtVerifier> jwt_;
};

}  // namespace gateway
