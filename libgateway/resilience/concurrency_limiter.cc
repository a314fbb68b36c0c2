#include "libgateway/resilience/concurrency_limiter.h"

#include <algorithm>
#include <cmath>

namespace gateway {

namespace {
// Netflix Gradient2 defaults.
constexpr double kSmoothing = 0.2;
constexpr double kLongWindow = 600;  // samples in the long-term RTT average
constexpr std::uint64_t kWarmup = 10;
constexpr double kQueueAllowance = 4;
}  // namespace

ConcurrencyLimiter::ConcurrencyLimiter(const ConcurrencyConfig& config)
    : config_(config), estimatedLimit_(config.adaptive ? config.initialLimit : config.maxRequests) {}

std::uint32_t ConcurrencyLimiter::limit() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::uint32_t>(estimatedLimit_);
}

std::uint32_t ConcurrencyLimiter::inFlight() const {
  std::lock_guard lock(mutex_);
  return inFlight_;
}

std::uint32_t ConcurrencyLimiter::pending() const {
  std::lock_guard lock(mutex_);
  return pending_;
}

std::uint64_t ConcurrencyLimiter::rejected() const {
  std::lock_guard lock(mutex_);
  return rejected_;
}

bool ConcurrencyLimiter::tryAcquire() {
  std::lock_guard lock(mutex_);
  if (config_.maxRequests > 0 && inFlight_ >= static_cast<std::uint32_t>(estimatedLimit_)) return false;
  ++inFlight_;
  return true;
}

void ConcurrencyLimiter::release() {
  std::lock_guard lock(mutex_);
  if (inFlight_ > 0) --inFlight_;
}

bool ConcurrencyLimiter::tryAddPending() {
  std::lock_guard lock(mutex_);
  if (pending_ >= config_.maxPending) {
    ++rejected_;
    return false;
  }
  ++pending_;
  return true;
}

void ConcurrencyLimiter::removePending() {
  std::lock_guard lock(mutex_);
  if (pending_ > 0) --pending_;
}

void ConcurrencyLimiter::onSample(Duration rtt, bool dropped) {
  if (!config_.adaptive || rtt <= 0) return;
  (void)dropped;  // Gradient2 reads only the RTT; a timeout is a long one
  std::lock_guard lock(mutex_);
  const double sample = static_cast<double>(rtt);
  ++samples_;
  if (samples_ <= kWarmup) {
    longRtt_ += (sample - longRtt_) / static_cast<double>(samples_);  // plain mean while warming up
  } else {
    const double factor = 2.0 / (kLongWindow + 1);
    longRtt_ = longRtt_ * (1 - factor) + sample * factor;
  }
  // A long average far above the latest sample is stale (a slow period that ended): decay it.
  if (longRtt_ / sample > 2) longRtt_ *= 0.95;
  // Do not grow a limit the traffic does not use.
  if (static_cast<double>(inFlight_) < estimatedLimit_ / 2) return;
  const double gradient = std::clamp(config_.rttTolerance * longRtt_ / sample, 0.5, 1.0);
  double next = estimatedLimit_ * gradient + kQueueAllowance;
  next = estimatedLimit_ * (1 - kSmoothing) + next * kSmoothing;
  estimatedLimit_ = std::clamp(next, static_cast<double>(config_.minLimit), static_cast<double>(config_.maxRequests));
}

ConcurrencyPermit& ConcurrencyPermit::operator=(ConcurrencyPermit&& other) noexcept {
  if (this != &other) {
    reset();
    limiter_ = std::move(other.limiter_);
  }
  return *this;
}

void ConcurrencyPermit::reset() {
  if (limiter_) limiter_->release();
  limiter_.reset();
}

}  // namespace gateway
