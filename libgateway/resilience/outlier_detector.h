// Passive health per upstream instance (Envoy outlier detection): an instance is ejected after
// consecutive 5xx (any 5xx response, or a connect error, reset or timeout) or consecutive
// gateway failures (502/503/504 or the same local errors). Ejection lasts base x the times it
// was ejected, capped at max; each healthy `interval` since its readmission lowers that
// multiplier by one. At most max_ejection_percent of the instances are ejected at once, but
// at least one may be (Envoy). Readmission happens exactly when the ejection time is up.
// Ejected instances are handed to the load balancer as PickContext::excluded.
// Takes `now`, never reads a clock. Thread-safe (a mutex; a lock-free fast path while nothing
// is ejected); shared by every worker.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "libgateway/config/config.h"

namespace gateway {

// What one call to an instance looked like, for outlier detection.
enum class CallHealth : std::uint8_t {
  kSuccess,         // a response below 500
  kServerError,     // 500, 501, 505... (counts as 5xx)
  kGatewayFailure,  // 502, 503, 504, connect error, reset, timeout (5xx and gateway failure)
};

struct OutlierEvent {
  std::size_t instance = 0;
  bool ejected = true;          // false: readmitted
  TimePoint at = 0;
  Duration duration = 0;        // ejection length
  std::uint32_t multiplier = 0; // base x multiplier (before the cap)
  std::string reason;           // "5 consecutive 5xx"
};

struct InstanceHealth {
  bool ejected = false;
  TimePoint ejectedUntil = 0;
  std::uint32_t multiplier = 0;
  std::uint64_t timesEjected = 0;
  std::uint32_t consecutive5xx = 0;
  std::uint32_t consecutiveGatewayFailures = 0;
};

class OutlierDetector {
 public:
  OutlierDetector(const OutlierDetectionConfig& config, std::size_t instances);

  // Records one result; returns the ejection it caused, if any.
  std::optional<OutlierEvent> onResult(std::size_t instance, CallHealth health, TimePoint now);
  // The ejected flags at `now` (readmitting instances whose time is up), written to `buffer`;
  // an empty span when nothing is ejected. Readmissions are appended to `readmitted` if given.
  std::span<const std::uint8_t> excluded(TimePoint now, std::vector<std::uint8_t>& buffer,
                                         std::vector<OutlierEvent>* readmitted = nullptr);

  std::size_t ejectedCount() const { return ejected_.load(std::memory_order_relaxed); }
  // Envoy: at most this many at once (but at least one).
  std::size_t maxEjected() const;
  InstanceHealth health(std::size_t instance) const;
  const OutlierDetectionConfig& config() const { return config_; }

 private:
  void readmitDue(TimePoint now, std::vector<OutlierEvent>* readmitted);

  const OutlierDetectionConfig config_;
  mutable std::mutex mutex_;
  std::vector<InstanceHealth> instances_;
  std::vector<TimePoint> readmittedAt_;
  std::atomic<std::size_t> ejected_{0};
};

// Classifies an upstream result for outlier detection.
CallHealth callHealth(bool responded, int status);

}  // namespace gateway
