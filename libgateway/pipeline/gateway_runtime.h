// A config compiled for serving: the route table, and per service its load balancer and
// in-flight counters. Built once per config (load or reload) and shared, immutable in
// shape, by every Gateway of the process; the counters and balancer cursors inside are
// thread-safe. Requests hold a shared_ptr to the runtime they started on, so a reload
// never pulls a table from under a request in flight.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "libgateway/balancing/load_balancer.h"
#include "libgateway/config/config.h"
#include "libgateway/pipeline/limiter_registry.h"
#include "libgateway/routing/route_table.h"

namespace gateway {

struct ServiceRuntime {
  const ServiceConfig* config = nullptr;
  std::unique_ptr<InFlightCounters> inFlight;
  std::unique_ptr<LoadBalancer> balancer;
};

// One limit that applies to a route: a named policy or the consumer tiers.
struct RouteLimiter {
  const RateLimitPolicy* policy = nullptr;
  std::shared_ptr<LimiterStore> store;
};

struct RouteRuntime {
  std::vector<RouteLimiter> limiters;   // the route's named policies, in config order
  bool perConsumer = false;             // the consumer's tier applies too (checked first)
  std::vector<std::size_t> backends;    // service indices
  std::vector<std::uint32_t> weights;   // same order; used when there are several
  std::uint64_t totalWeight = 0;
};

class GatewayRuntime {
 public:
  // Stores for rate-limit policies come from `limiters`, so counters survive a reload.
  GatewayRuntime(std::shared_ptr<const Config> config, LimiterRegistry& limiters);

  const Config& config() const { return *config_; }
  const std::shared_ptr<const Config>& configPtr() const { return config_; }
  const RouteTable& routes() const { return routeTable_; }
  const RouteRuntime& route(std::size_t i) const { return routes_[i]; }
  ServiceRuntime& service(std::size_t i) const { return services_[i]; }
  std::size_t serviceCount() const { return services_.size(); }
  // The consumer owning an API key, by the key's SHA-256 digest (consumer_filter.h).
  const ConsumerConfig* consumerByKeyDigest(const std::string& digest) const;
  // The store of a consumer tier, or nullptr for an unknown tier.
  const RouteLimiter* tier(const std::string& name) const;

 private:
  std::shared_ptr<const Config> config_;
  RouteTable routeTable_;
  std::vector<RouteRuntime> routes_;
  mutable std::vector<ServiceRuntime> services_;
  std::unordered_map<std::string, std::size_t> consumerByKey_;
  std::map<std::string, RouteLimiter> tiers_;  // SHA-256 digest -> consumer index
};

}  // namespace gateway
