// The resilience state of one gateway instance, by service: circuit breakers, outlier
// detectors, concurrency limiters and retry budgets. A reload keeps a service's state when the
// service name and that policy's config (and, for outlier detection, its instance list) are
// unchanged, and starts fresh when they change (LimiterRegistry does the same for rate limits).
// Thread-safe; the policies it hands out are shared by every worker.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "libgateway/config/config.h"
#include "libgateway/resilience/circuit_breaker.h"
#include "libgateway/resilience/concurrency_limiter.h"
#include "libgateway/resilience/outlier_detector.h"
#include "libgateway/resilience/retry_budget.h"

namespace gateway {

class ResilienceRegistry {
 public:
  std::shared_ptr<CircuitBreaker> breaker(const std::string& service, const CircuitBreakerConfig& config);
  std::shared_ptr<OutlierDetector> outliers(const ServiceConfig& service);
  std::shared_ptr<ConcurrencyLimiter> concurrency(const std::string& service, const ConcurrencyConfig& config);
  std::shared_ptr<RetryBudget> retryBudget(const std::string& service, const RetryBudgetConfig& config);

  // Forgets the state of services that `config` no longer has (or no longer protects with that
  // policy), so the listings below describe the running config. Runtimes still serving old
  // requests keep their own references.
  void retain(const Config& config);

  // Every breaker by service name, for metrics, /stats and the simulator's report.
  std::map<std::string, std::shared_ptr<CircuitBreaker>> breakers() const;
  std::map<std::string, std::shared_ptr<OutlierDetector>> outlierDetectors() const;

 private:
  struct OutlierEntry {
    std::vector<std::string> instances;
    std::shared_ptr<OutlierDetector> detector;
  };
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<CircuitBreaker>> breakers_;
  std::map<std::string, OutlierEntry> outliers_;
  std::map<std::string, std::shared_ptr<ConcurrencyLimiter>> limiters_;
  std::map<std::string, std::shared_ptr<RetryBudget>> budgets_;
};

}  // namespace gateway
