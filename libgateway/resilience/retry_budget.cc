#include "libgateway/resilience/retry_budget.h"

#include <algorithm>
#include <cmath>

namespace gateway {

RetryBudget::RequestGuard::RequestGuard(std::shared_ptr<RetryBudget> budget) : budget_(std::move(budget)) {
  if (budget_) budget_->active_.fetch_add(1, std::memory_order_relaxed);
}

RetryBudget::RequestGuard& RetryBudget::RequestGuard::operator=(RequestGuard&& other) noexcept {
  if (this != &other) {
    reset();
    budget_ = std::move(other.budget_);
  }
  return *this;
}

void RetryBudget::RequestGuard::reset() {
  if (budget_) budget_->active_.fetch_sub(1, std::memory_order_relaxed);
  budget_.reset();
}

RetryBudget::RetryGuard& RetryBudget::RetryGuard::operator=(RetryGuard&& other) noexcept {
  if (this != &other) {
    reset();
    budget_ = std::move(other.budget_);
  }
  return *this;
}

void RetryBudget::RetryGuard::reset() {
  if (budget_) budget_->retries_.fetch_sub(1, std::memory_order_relaxed);
  budget_.reset();
}

std::int64_t RetryBudget::allowed() const {
  if (!config_.enabled) return INT64_MAX;
  const auto share = static_cast<std::int64_t>(
      std::floor(static_cast<double>(active_.load(std::memory_order_relaxed)) * config_.percent / 100.0));
  return std::max<std::int64_t>(config_.minConcurrency, share);
}

RetryBudget::RetryGuard RetryBudget::tryRetry(const std::shared_ptr<RetryBudget>& budget) {
  RetryGuard guard;
  if (!budget) return guard;
  std::int64_t current = budget->retries_.load(std::memory_order_relaxed);
  do {
    if (current >= budget->allowed()) {
      budget->exhausted_.fetch_add(1, std::memory_order_relaxed);
      return guard;
    }
  } while (!budget->retries_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
  guard.budget_ = budget;
  return guard;
}

}  // namespace gateway
