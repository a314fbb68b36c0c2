// The extension point of the policy report (policy_report.h): a stage with state of its own (a
// response cache, say) implements PolicyReporter and registers it once with
// SharedState::addReporter; every consumer of the report (gatewayd's /stats and /metrics,
// gwsim --policy-state) then shows its section after the built-in ones, with no change to the
// report itself. Implementations are called from any thread (gatewayd's admin thread while
// the workers serve) and must be thread-safe; SharedState shares their ownership.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "libgateway/core/time.h"

namespace gateway {

class PolicyReporter {
 public:
  virtual ~PolicyReporter() = default;
  // The section's key in the snapshot: lower_snake_case, not a built-in key
  // (kPolicyReportKeys) nor another reporter's.
  virtual std::string_view name() const = 0;
  // Fills the section: `out` is null on entry; left null, the snapshot has no `name()` member
  // (a feature the running config does not use).
  virtual void snapshot(TimePoint now, nlohmann::json& out) const = 0;
  // Appends whole Prometheus families (# HELP and # TYPE once each, then the samples; see
  // libgateway/http/prometheus_text.h), named gateway_<name>_... so they cannot collide.
  virtual void metrics(TimePoint now, std::string& out) const = 0;
};

// The keys the policy report writes itself; a reporter may not take one.
inline constexpr std::string_view kPolicyReportKeys[] = {
    "now_us",           "unix_time_offset_us", "config_version", "rate_limits",       "circuit_breakers",
    "outlier_detection", "concurrency",        "retry_budgets",  "upstream_instances",
};

}  // namespace gateway
