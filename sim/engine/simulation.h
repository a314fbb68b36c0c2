// Runs one scenario in virtual time through the real gateway core: client groups generate
// requests (open-loop arrival processes or closed-loop clients with think time and retries),
// the Gateway routes and polices them, SimTransport plays the services and faults. One
// thread, deterministic: the same scenario and seed give the same RunResult and trace hash.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/report/run_result.h"
#include "sim/scenario/scenario.h"

namespace gwsim {

struct RunOptions {
  std::optional<std::uint64_t> seed;   // overrides the scenario's seed
  std::FILE* trace = nullptr;          // one CSV line per gateway request when set
  bool progress = false;               // a progress line on stderr
  gateway::Duration drainLimit = gateway::seconds(300);  // after `duration`, let in-flight finish
  // When set, receives the gateway's policy report (policy_report.h) at the end of the run, at
  // the virtual clock's last time. Reading it changes no state: the run's outputs are the same.
  nlohmann::json* policyState = nullptr;
};

RunResult runScenario(const Scenario& scenario, const RunOptions& options);

}  // namespace gwsim
