#include "libgateway/resilience/outlier_detector.h"

#include <algorithm>

#include <fmt/format.h>

namespace gateway {

CallHealth callHealth(bool responded, int status) {
  if (!responded) return CallHealth::kGatewayFailure;
  if (status == 502 || status == 503 || status == 504) return CallHealth::kGatewayFailure;
  if (status >= 500) return CallHealth::kServerError;
  return CallHealth::kSuccess;
}

OutlierDetector::OutlierDetector(const OutlierDetectionConfig& config, std::size_t instances)
    : config_(config), instances_(instances), readmittedAt_(instances, INT64_MIN) {}

std::size_t OutlierDetector::maxEjected() const {
  return std::max<std::size_t>(1, instances_.size() * config_.maxEjectionPercent / 100);
}

void OutlierDetector::readmitDue(TimePoint now, std::vector<OutlierEvent>* readmitted) {
  for (std::size_t i = 0; i < instances_.size(); ++i) {
    InstanceHealth& h = instances_[i];
    if (!h.ejected || now < h.ejectedUntil) continue;
    h.ejected = false;
    h.consecutive5xx = 0;
    h.consecutiveGatewayFailures = 0;
    readmittedAt_[i] = h.ejectedUntil;
    ejected_.fetch_sub(1, std::memory_order_relaxed);
    if (readmitted) readmitted->push_back(OutlierEvent{i, false, h.ejectedUntil, 0, h.multiplier, "ejection time is up"});
  }
}

std::optional<OutlierEvent> OutlierDetector::onResult(std::size_t instance, CallHealth health, TimePoint now) {
  if (instance >= instances_.size()) return std::nullopt;
  std::lock_guard lock(mutex_);
  readmitDue(now, nullptr);
  InstanceHealth& h = instances_[instance];
  switch (health) {
    case CallHealth::kSuccess:
      h.consecutive5xx = 0;
      h.consecutiveGatewayFailures = 0;
      return std::nullopt;
    case CallHealth::kServerError:
      ++h.consecutive5xx;
      h.consecutiveGatewayFailures = 0;
      break;
    case CallHealth::kGatewayFailure:
      ++h.consecutive5xx;
      ++h.consecutiveGatewayFailures;
      break;
  }
  // Results still arriving from an ejected instance (calls made before the ejection) do not
  // extend its ejection.
  if (h.ejected) return std::nullopt;
  std::string reason;
  if (config_.consecutive5xx > 0 && h.consecutive5xx >= config_.consecutive5xx) {
    reason = fmt::format("{} consecutive 5xx", h.consecutive5xx);
  } else if (config_.consecutiveGatewayFailure > 0 && h.consecutiveGatewayFailures >= config_.consecutiveGatewayFailure) {
    reason = fmt::format("{} consecutive gateway failures", h.consecutiveGatewayFailures);
  } else {
    return std::nullopt;
  }
  if (ejected_.load(std::memory_order_relaxed) >= maxEjected()) return std::nullopt;  // the cap holds
  // Each healthy interval since the last readmission forgives one past ejection.
  if (h.multiplier > 0 && readmittedAt_[instance] != INT64_MIN && config_.interval > 0) {
    const auto healthy = static_cast<std::uint64_t>(std::max<Duration>(0, now - readmittedAt_[instance]) / config_.interval);
    h.multiplier = static_cast<std::uint32_t>(h.multiplier > healthy ? h.multiplier - healthy : 0);
  }
  ++h.multiplier;
  ++h.timesEjected;
  const Duration cap = std::max(config_.maxEjection, config_.baseEjection);
  const Duration duration = std::min(cap, config_.baseEjection * static_cast<Duration>(h.multiplier));
  h.ejected = true;
  h.ejectedUntil = now + duration;
  h.consecutive5xx = 0;
  h.consecutiveGatewayFailures = 0;
  ejected_.fetch_add(1, std::memory_order_relaxed);
  return OutlierEvent{instance, true, now, duration, h.multiplier, std::move(reason)};
}

std::span<const std::uint8_t> OutlierDetector::excluded(TimePoint now, std::vector<std::uint8_t>& buffer,
                                                        std::vector<OutlierEvent>* readmitted) {
  if (ejected_.load(std::memory_order_relaxed) == 0) return {};
  std::lock_guard lock(mutex_);
  readmitDue(now, readmitted);
  if (ejected_.load(std::memory_order_relaxed) == 0) return {};
  buffer.assign(instances_.size(), 0);
  for (std::size_t i = 0; i < instances_.size(); ++i) buffer[i] = instances_[i].ejected ? 1 : 0;
  return buffer;
}

InstanceHealth OutlierDetector::health(std::size_t instance) const {
  std::lock_guard lock(mutex_);
  return instance < instances_.size() ? instances_[instance] : InstanceHealth{};
}

}  // namespace gateway
