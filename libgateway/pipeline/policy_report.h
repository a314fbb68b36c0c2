// The policy report: what every policy of a SharedState is doing at `now`, written once for
// every consumer (gatewayd's /stats and /metrics, gwsim --policy-state, a dashboard): a JSON
// snapshot and the matching Prometheus families. Built-in sections cover rate-limit stores,
// circuit breakers, outlier detection, concurrency limiters, retry budgets and upstream
// instances of the current runtime; each PolicyReporter registered with the SharedState adds
// its own section after them (policy_reporter.h). Each policy is read under its own lock, so a
// section is consistent for one policy, not across policies. Never reads a clock; thread-safe;
// returns values and keeps nothing.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "libgateway/core/time.h"
#include "libgateway/pipeline/shared_state.h"

namespace gateway {

// The snapshot (libgateway/README.md, "Policy state", documents the shape): an object with
// now_us, unix_time_offset_us, config_version and one member per section. Time points are
// the core clock's microseconds (add unix_time_offset_us for Unix time; the simulator's clock
// starts at 0); services, instances and stores are object keys, so the output is sorted and
// deterministic for a given state.
nlohmann::json policySnapshot(const SharedState& shared, TimePoint now);

// Appends the Prometheus families of the same state: each family's # HELP and # TYPE once,
// even with no series, then one sample per service, instance or store.
void appendPolicyMetrics(const SharedState& shared, TimePoint now, std::string& out);

}  // namespace gateway
