// Policy state shared by the Gateway objects of one process (one per worker thread): the
// current compiled config, and (as later policies land) rate-limit stores, breaker state and
// cache. Thread-safe. install() swaps the runtime atomically; each Gateway notices the new
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

 private:
  LimiterRegistry limiters_;  // before runtime_: runtimes hold its stores
  mutable std::mutex mutex_;
  std::shared_ptr<const GatewayRuntime> runtime_;
  std::atomic<std::uint64_t> version_{0};
};

}  // namespace gateway
