// Envoy's retry budget for one service: concurrent retries may be at most `percent` of the
// active requests to it, but `min_concurrency` retries are always allowed, so retries cannot
// multiply the load of a failing service into a storm. Counts are atomics (check-and-add is
// one compare-exchange); shared by every worker. RAII guards release on every path.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "libgateway/config/config.h"

namespace gateway {

class RetryBudget {
 public:
  explicit RetryBudget(const RetryBudgetConfig& config) : config_(config) {}

  // Counts one active request while alive.
  class RequestGuard {
   public:
    RequestGuard() = default;
    explicit RequestGuard(std::shared_ptr<RetryBudget> budget);
    RequestGuard(RequestGuard&& other) noexcept = default;
    RequestGuard& operator=(RequestGuard&& other) noexcept;
    ~RequestGuard() { reset(); }
    void reset();
    explicit operator bool() const { return budget_ != nullptr; }

   private:
    std::shared_ptr<RetryBudget> budget_;
  };

  // Holds one active retry while alive.
  class RetryGuard {
   public:
    RetryGuard() = default;
    RetryGuard(RetryGuard&& other) noexcept = default;
    RetryGuard& operator=(RetryGuard&& other) noexcept;
    ~RetryGuard() { reset(); }
    void reset();
    explicit operator bool() const { return budget_ != nullptr; }

   private:
    friend class RetryBudget;
    std::shared_ptr<RetryBudget> budget_;
  };

  // A retry slot, or an empty guard when the budget is spent. Call on the shared_ptr owner.
  static RetryGuard tryRetry(const std::shared_ptr<RetryBudget>& budget);

  // Retries allowed at the current number of active requests.
  std::int64_t allowed() const;
  std::int64_t activeRequests() const { return active_.load(std::memory_order_relaxed); }
  std::int64_t activeRetries() const { return retries_.load(std::memory_order_relaxed); }
  std::uint64_t exhausted() const { return exhausted_.load(std::memory_order_relaxed); }
  const RetryBudgetConfig& config() const { return config_; }

 private:
  const RetryBudgetConfig config_;
  std::atomic<std::int64_t> active_{0};
  std::atomic<std::int64_t> retries_{0};
  std::atomic<std::uint64_t> exhausted_{0};
};

}  // namespace gateway
