#include "libgateway/pipeline/shared_state.h"

#include <algorithm>

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

bool SharedState::addReporter(std::shared_ptr<const PolicyReporter> reporter) {
  if (!reporter) return false;
  const std::string_view name = reporter->name();
  if (name.empty() || std::find(std::begin(kPolicyReportKeys), std::end(kPolicyReportKeys), name) != std::end(kPolicyReportKeys)) {
    return false;
  }
  std::lock_guard lock(mutex_);
  for (const auto& r : reporters_) {
    if (r->name() == name) return false;
  }
  reporters_.push_back(std::move(reporter));
  return true;
}

std::vector<std::shared_ptr<const PolicyReporter>> SharedState::reporters() const {
  std::lock_guard lock(mutex_);
  return reporters_;
}

}  // namespace gateway
