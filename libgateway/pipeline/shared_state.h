// Policy state shared by the Gateway objects of one process (one per worker thread): the
// current compiled config, rate-limit stores, and resilience state (circuit breakers, outlier
// detectors, concurrency limiters, retry budgets; kept across reloads of unchanged services). Thread-safe. install() swaps the runtime atomically; each Gateway notices the new
// version on its next request, and requests already running finish on the old one.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "libgateway/config/config.h"
#include "libgateway/pipeline/gateway_runtime.h"

namespace gateway {

class SharedState {
 public:
  // `config` must be a validated config (loadConfig*). Builds and installs its runtime.
  explicit SharedState(std::shared_ptr<const Config> config);

  void install(std::shared_ptr<const Config> config);
  std::shared_ptr<const GatewayRuntime> runtime() const;
  std::uint64_t version() const { return version_.load(std::memory_order_acquire); }
  LimiterRegistry& limiters() { return limiters_; }
  ResilienceRegistry& resilience() { return resilience_; }

  // Unix time = Clock::now() + offset (microseconds). The core never reads a wall clock: the
  // outer layer that owns the Clock sets this (gatewayd: system_clock - steady_clock at
  // start). 0 by default, so the simulator's time 0 is the Unix epoch.
  void setUnixTimeOffset(Duration offset) { unixOffset_.store(offset, std::memory_order_relaxed); }
  Duration unixTimeOffset() const { return unixOffset_.load(std::memory_order_relaxed); }

 private:
  LimiterRegistry limiters_;        // before runtime_: runtimes hold its stores
  ResilienceRegistry resilience_;   // likewise its breakers, detectors, limiters, budgets
  mutable std::mutex mutex_;
  std::shared_ptr<const GatewayRuntime> runtime_;
  std::atomic<std::uint64_t> version_{0};
  std::atomic<Duration> unixOffset_{0};
};

}  // namespace gateway
