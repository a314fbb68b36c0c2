#include "libgateway/pipeline/gateway_runtime.h"

#include <algorithm>

#include "libgateway/pipeline/consumer_stage.h"
#include "libgateway/pipeline/rate_limit_stage.h"
#include "libgateway/pipeline/stage_list.h"

namespace gateway {

RouteLimiter::RouteLimiter(const RateLimitPolicy* p, std::shared_ptr<LimiterStore> s)
    : policy(p), store(std::move(s)) {
  draftPolicyItem = rateLimitPolicyItem(policy->name, policy->spec);
}

GatewayRuntime::GatewayRuntime(std::shared_ptr<const Config> config, LimiterRegistry& limiters,
                               ResilienceRegistry& resilience)
    : config_(std::move(config)), routeTable_(config_->routes) {
  const RateLimitsConfig& rl = config_->rateLimits;
  for (const auto& [name, policy] : rl.tiers) {
    tiers_.emplace_back(name, RouteLimiter{&policy, limiters.get("tier:" + name, policy.spec, rl)});
    if (policy.cluster) tiers_.back().second.cluster = limiters.cluster("tier:" + name, policy.spec, rl);
  }
  services_.resize(config_->services.size());
  for (std::size_t i = 0; i < config_->services.size(); ++i) {
    const ServiceConfig& sc = config_->services[i];
    services_[i].config = &sc;
    services_[i].inFlight = std::make_unique<InFlightCounters>(sc.instances.size());
    services_[i].balancer = makeLoadBalancer(sc, *services_[i].inFlight);
    if (sc.circuitBreaker) services_[i].breaker = resilience.breaker(sc.name, *sc.circuitBreaker);
    if (sc.outlierDetection) services_[i].outliers = resilience.outliers(sc);
    if (sc.concurrency.maxRequests > 0) services_[i].concurrency = resilience.concurrency(sc.name, sc.concurrency);
    services_[i].retryBudget = resilience.retryBudget(sc.name, sc.retryBudget);
  }
  for (std::size_t c = 0; c < config_->consumers.size(); ++c) {
    for (const auto& key : config_->consumers[c].apiKeys) consumerByKey_.emplace(apiKeyDigest(key), c);
    if (!config_->consumers[c].jwtSubject.empty()) consumerBySubject_.emplace(config_->consumers[c].jwtSubject, c);
  }
  if (config_->auth.jwt) jwt_ = std::make_unique<JwtVerifier>(*config_->auth.jwt);
  routes_.resize(config_->routes.size());
  for (std::size_t r = 0; r < config_->routes.size(); ++r) {
    const RouteConfig& rc = config_->routes[r];
    routes_[r].perConsumer = rc.rateLimit.perConsumer;
    routes_[r].stageMask = standardStageMask(rc);
    CallTarget& target = routes_[r].target;
    if (rc.retry && rc.retry->maxRetries > 0) target.retry.emplace(*rc.retry);
    target.timeout = rc.timeout;
    target.preserveHost = rc.preserveHost;
    target.hostRewrite = rc.hostRewrite ? &*rc.hostRewrite : nullptr;
    if (rc.auth && rc.auth->hideCredentials) {
      if (rc.auth->apiKey) target.hiddenKeyField = config_->auth.apiKeyHeader;
      target.hideBearer = rc.auth->jwt;
    }
    for (const auto& name : rc.rateLimit.policies) {
      const RateLimitPolicy& policy = rl.policies.at(name);
      routes_[r].limiters.push_back(RouteLimiter{&policy, limiters.get("policy:" + name, policy.spec, rl)});
      if (policy.cluster) routes_[r].limiters.back().cluster = limiters.cluster("policy:" + name, policy.spec, rl);
    }
    for (const auto& b : config_->routes[r].backends) {
      for (std::size_t i = 0; i < config_->services.size(); ++i) {
        if (config_->services[i].name == b.service) {
          target.backends.push_back(i);
          target.weights.push_back(b.weight);
          target.totalWeight += b.weight;
        }
      }
    }
  }
}

const ConsumerConfig* GatewayRuntime::consumerBySubject(const std::string& subject) const {
  auto it = consumerBySubject_.find(subject);
  return it == consumerBySubject_.end() ? nullptr : &config_->consumers[it->second];
}

const RouteLimiter* GatewayRuntime::tier(const std::string& name) const {
  if (tiers_.size() <= 8) {
    for (const auto& [n, limiter] : tiers_) {
      if (n.size() == name.size() && n == name) return &limiter;
    }
    return nullptr;
  }
  auto it = std::lower_bound(tiers_.begin(), tiers_.end(), name, [](const auto& t, const std::string& n) { return t.first < n; });
  return it == tiers_.end() || it->first != name ? nullptr : &it->second;
}

const ConsumerConfig* GatewayRuntime::consumerByKeyDigest(const std::string& digest) const {
  auto it = consumerByKey_.find(digest);
  return it == consumerByKey_.end() ? nullptr : &config_->consumers[it->second];
}

}  // namespace gateway
