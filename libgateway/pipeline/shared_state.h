// Policy state shared by the Gateway objects of one process (one per worker thread): the
// current compiled config, rate-limit stores, resilience state (circuit breakers, outlier
// detectors, concurrency limiters, retry budgets; kept across reloads of unchanged services),
// and the extra sections of the policy report (policy_reporter.h). Thread-safe. install()
// swaps the runtime atomically; each Gateway notices the new version on its next request, and
// requests already running finish on the old one.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libgateway/config/config.h"
#include "libgateway/pipeline/gateway_runtime.h"
#include "libgateway/pipeline/policy_reporter.h"

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
  const LimiterRegistry& limiters() const { return limiters_; }
  const ResilienceRegistry& resilience() const { return resilience_; }

  // Adds a section to the policy report (policy_report.h); its metrics follow the built-in
  // families and earlier reporters'. Kept for the life of this SharedState (reloads included).
  // False, and nothing added, when its name is taken (kPolicyReportKeys or another reporter).
  bool addReporter(std::shared_ptr<const PolicyReporter> reporter);
  std::vector<std::shared_ptr<const PolicyReporter>> reporters() const;

  // A stage's process-wide object (a response cache's stores), made by `make` the first
  // time `key` is asked for and shared by every Gateway after that; kept for the life of
  // this SharedState. `make` runs under the lock: it must not call back into SharedState.
  // One type per key.
  template <class T, class Make>
  std::shared_ptr<T> stageShared(std::string_view key, Make&& make) {
    std::lock_guard lock(mutex_);
    for (const auto& [k, object] : stageShared_) {
      if (k == key) return std::static_pointer_cast<T>(object);
    }
    std::shared_ptr<T> made = make();
    stageShared_.emplace_back(std::string(key), made);
    return made;
  }
  // The object made under `key`, or null.
  template <class T>
  std::shared_ptr<T> findStageShared(std::string_view key) const {
    std::lock_guard lock(mutex_);
    for (const auto& [k, object] : stageShared_) {
      if (k == key) return std::static_pointer_cast<T>(object);
    }
    return nullptr;
  }

  // Unix time = Clock::now() + offset (microseconds). The core never reads a wall clock: the
  // outer layer that owns the Clock sets this (gatewayd: system_clock - steady_clock at
  // start). 0 by default, so the simulator's time 0 is the Unix epoch.
  void setUnixTimeOffset(Duration offset) { unixOffset_.store(offset, std::memory_order_relaxed); }
  Duration unixTimeOffset() const { return unixOffset_.load(std::memory_order_relaxed); }

 private:
  LimiterRegistry limiters_;        // before runtime_: runtimes hold its stores
  ResilienceRegistry resilience_;   // likewise its breakers, detectors, limiters, budgets
  mutable std::mutex mutex_;  // runtime_, reporters_ and stageShared_
  std::shared_ptr<const GatewayRuntime> runtime_;
  std::vector<std::shared_ptr<const PolicyReporter>> reporters_;
  std::vector<std::pair<std::string, std::shared_ptr<void>>> stageShared_;
  std::atomic<std::uint64_t> version_{0};
  std::atomic<Duration> unixOffset_{0};
};

}  // namespace gateway
