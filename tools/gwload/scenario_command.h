// `gwload scenario SCENARIO`: a scenario replayed for real (scenario_replay.h), against a
// running gateway (--gateway, with --mock-admin for the fault timeline) or against a stack
// gwload starts itself (--launch: mock-services and gatewayd on free loopback ports, stopped
// at the end). Prints gwsim's run summary and checks the scenario's expectations; --json
// writes the same JSON as `gwsim run --json`, for `gwsim agree`.
// Exit: 0 every expectation held; 1 one failed; 2 bad flags or scenario; 3 the stack or the
// gateway could not be reached, or mock-services refused a fault.
#pragma once

#include <ostream>
#include <string>

#include <CLI/CLI.hpp>

#include "tools/gwload/command.h"

namespace gwload {

struct ScenarioArgs {
  std::string scenario;
  std::string gateway;    // host:port; empty with --launch
  std::string mockAdmin;  // host:port of mock-services (fault API); empty: no faults
  bool launch = false;
  std::string gatewaydPath, mockServicesPath;  // for --launch; default: the built ones
  int gatewayThreads = 0;                      // for --launch: gatewayd's --threads (0: its default)
  double speed = 1.0;
  double durationS = 0;  // > 0: cut the scenario to this many seconds
  double timeoutS = 30;
  double drainS = 10;
  std::size_t maxConnections = 1024;
  std::string jsonPath;  // "-": stdout
  bool quiet = false;
};

Command addScenarioCommand(CLI::App& app);
int runScenarioCommand(const ScenarioArgs& args, std::ostream& out, std::ostream& err);

}  // namespace gwload
