#include "libgateway/resilience/resilience_registry.h"

namespace gateway {

std::shared_ptr<CircuitBreaker> ResilienceRegistry::breaker(const std::string& service, const CircuitBreakerConfig& config) {
  std::lock_guard lock(mutex_);
  auto& slot = breakers_[service];
  if (!slot || !(slot->config() == config)) slot = std::make_shared<CircuitBreaker>(config);
  return slot;
}

std::shared_ptr<OutlierDetector> ResilienceRegistry::outliers(const ServiceConfig& service) {
  std::vector<std::string> ids;
  for (const auto& i : service.instances) ids.push_back(i.id);
  std::lock_guard lock(mutex_);
  auto& slot = outliers_[service.name];
  if (!slot.detector || !(slot.detector->config() == *service.outlierDetection) || slot.instances != ids) {
    slot.detector = std::make_shared<OutlierDetector>(*service.outlierDetection, ids.size());
    slot.instances = std::move(ids);
  }
  return slot.detector;
}

std::shared_ptr<ConcurrencyLimiter> ResilienceRegistry::concurrency(const std::string& service,
                                                                    const ConcurrencyConfig& config) {
  std::lock_guard lock(mutex_);
  auto& slot = limiters_[service];
  if (!slot || !(slot->config() == config)) slot = std::make_shared<ConcurrencyLimiter>(config);
  return slot;
}

std::shared_ptr<RetryBudget> ResilienceRegistry::retryBudget(const std::string& service, const RetryBudgetConfig& config) {
  std::lock_guard lock(mutex_);
  auto& slot = budgets_[service];
  if (!slot || !(slot->config() == config)) slot = std::make_shared<RetryBudget>(config);
  return slot;
}

void ResilienceRegistry::retain(const Config& config) {
  std::lock_guard lock(mutex_);
  auto prune = [&](auto& map, auto wanted) {
    for (auto it = map.begin(); it != map.end();) {
      const ServiceConfig* s = config.findService(it->first);
      it = s && wanted(*s) ? std::next(it) : map.erase(it);
    }
  };
  prune(breakers_, [](const ServiceConfig& s) { return s.circuitBreaker.has_value(); });
  prune(outliers_, [](const ServiceConfig& s) { return s.outlierDetection.has_value(); });
  prune(limiters_, [](const ServiceConfig& s) { return s.concurrency.maxRequests > 0; });
  prune(budgets_, [](const ServiceConfig&) { return true; });
}

std::map<std::string, std::shared_ptr<CircuitBreaker>> ResilienceRegistry::breakers() const {
  std::lock_guard lock(mutex_);
  return breakers_;
}

std::map<std::string, std::shared_ptr<OutlierDetector>> ResilienceRegistry::outlierDetectors() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, std::shared_ptr<OutlierDetector>> out;
  for (const auto& [name, e] : outliers_) out.emplace(name, e.detector);
  return out;
}

}  // namespace gateway
