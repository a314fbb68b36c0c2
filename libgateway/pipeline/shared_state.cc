#include "libgateway/pipeline/shared_state.h"

namespace gateway {

SharedState::SharedState(std::shared_ptr<const Config> config) { install(std::move(config)); }

void SharedState::install(std::shared_ptr<const Config> config) {
  auto runtime = std::make_shared<const GatewayRuntime>(config, limiters_, resilience_);
  resilience_.retain(*config);
  std::lock_guard lock(mutex_);
  runtime_ = std::move(runtime);
  version_.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const GatewayRuntime> SharedState::runtime() const {
  std::lock_guard lock(mutex_);
  return runtime_;
}

}  // namespace gateway
