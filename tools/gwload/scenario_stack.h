// A scenario's real world in one step: mock-services serving the scenario's services (its
// models and data, without its fault timeline, which the replay posts itself) and gatewayd
// with the scenario's gateway config pointed at them, both on free loopback ports, in a
// temporary directory. Stopped with SIGTERM (then killed) when the stack is destroyed.
// Not thread-safe; one owner.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "libgateway/net/child_process.h"

namespace gwload {

struct StackBinaries {
  std::string gatewayd;       // path of gatewayd
  std::string mockServices;   // path of mock-services
  int gatewayThreads = 0;     // gatewayd's --threads; 0: its own default (the config's, or one per core)
};

// The binaries built beside this gwload (CMake compiles their paths in), or "" when unknown.
StackBinaries builtBinaries();

class ScenarioStack {
 public:
  // `gatewayJson` is the scenario's gateway config (Scenario::gatewayJson). Null with `error`
  // set (what failed, with the child's stderr) when either cannot start.
  static std::unique_ptr<ScenarioStack> start(const std::string& scenarioPath, const nlohmann::json& gatewayJson,
                                              const StackBinaries& binaries, std::string& error);
  ~ScenarioStack();
  ScenarioStack(const ScenarioStack&) = delete;
  ScenarioStack& operator=(const ScenarioStack&) = delete;

  const std::string& gateway() const { return gateway_; }      // gatewayd's listener, host:port
  const std::string& admin() const { return admin_; }          // gatewayd's admin API
  const std::string& mockAdmin() const { return mockAdmin_; }  // a mock-services instance (fault API)
  // Stops both (SIGTERM, then SIGKILL after 5 s); true when both exited cleanly.
  bool stop(std::string& problems);

 private:
  ScenarioStack() = default;
  std::filesystem::path dir_;
  std::unique_ptr<gateway::net::ChildProcess> mocks_;
  std::unique_ptr<gateway::net::ChildProcess> gatewayd_;
  std::string gateway_, admin_, mockAdmin_;
};

// The gateway config with each instance's address replaced by the one mock-services bound
// (its ready line: {"services": {"orders": [{"instance": "orders-1", "address": ...}]}}).
// False with `error` naming an instance mock-services did not start.
bool pointConfigAtMocks(nlohmann::json& gatewayJson, const nlohmann::json& mocksReady, std::string& error);

}  // namespace gwload
