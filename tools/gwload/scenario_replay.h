// A scenario replayed for real: its client groups (arrivals, request mix, API keys, client
// retries; the same ClientTraffic that drives gwsim) sent in real time to a running gateway,
// and its fault timeline posted to mock-services' fault API at the start, each fault at its
// own time. The result is a gwsim RunResult (the same JSON as `gwsim run --json`), so
// `gwsim agree` can set the two worlds side by side. Runs its own event loop on the calling
// thread and returns when the scenario and its drain are over.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "libgateway/core/time.h"
#include "sim/report/run_result.h"
#include "sim/scenario/scenario.h"
#include "tools/gwload/replay_sink.h"

namespace gwload {

struct ReplayOptions {
  std::string gateway;    // "host:port" of the gateway under test
  std::string mockAdmin;  // "host:port" of any mock-services instance; empty: faults not applied
  double speed = 1.0;     // scenario seconds per real second
  gateway::Duration timeout = gateway::seconds(30);  // per try, real time
  gateway::Duration drain = gateway::seconds(10);    // after the end, for answers out and retries decided
  std::size_t maxConnections = 1024;
  // Called about once a second with a progress line (empty: none).
  std::function<void(const std::string&)> progress;
};

struct ReplayOutcome {
  gwsim::RunResult result;
  NoAnswerCounts noAnswer;
  std::map<std::string, NoAnswerCounts> noAnswerByRoute;
  std::uint64_t connectionsOpened = 0;
  std::uint64_t unanswered = 0;             // tries still out when the drain ended
  std::uint64_t unsentRetries = 0;          // retries decided but due after the drain: not sent
  bool nobodyThere = false;                 // every answered try failed to connect for 1 s
  std::vector<std::string> faultErrors;     // faults mock-services refused (with its answer)
  double wallSeconds = 0;
};

ReplayOutcome replayScenario(const gwsim::Scenario& scenario, const ReplayOptions& options);

}  // namespace gwload
