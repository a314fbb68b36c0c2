// The real world in a test: mock-services and gatewayd started as processes on ephemeral
// loopback ports (each prints its bound ports as one JSON line), configs and logs in a
// temporary directory. Destruction SIGKILLs whatever still runs. Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/child_process.h"
#include "tests/integration/temp_dir.h"

namespace gateway::testing {

// Paths of the binaries under test (CMake passes them; GATEWAYD / MOCK_SERVICES override).
std::string gatewaydPath();
std::string mockServicesPath();

class GatewayStack {
 public:
  GatewayStack() = default;
  ~GatewayStack();

  // Starts mock-services with `config` (mock_config.h format). False with `error` set.
  bool startMocks(const nlohmann::json& config, std::string& error);
  // "127.0.0.1:port" of instance `index` of `service`.
  std::string mock(const std::string& service, std::size_t index = 0) const;

  // Writes `config` and starts gatewayd on ephemeral ports, with `extraArgs`.
  bool startGateway(const nlohmann::json& config, std::string& error, const std::vector<std::string>& extraArgs = {});
  // Rewrites the gateway config file (for reload tests).
  void writeGatewayConfig(const nlohmann::json& config) const;
  void writeGatewayConfigText(const std::string& text) const;

  const std::string& gateway() const { return gatewayAddress_; }
  const std::string& admin() const { return adminAddress_; }
  ChildProcess& gatewayProcess() { return *gatewayProcess_; }
  ChildProcess& mockProcess() { return *mockProcess_; }
  const TempDir& dir() const { return dir_; }
  std::string accessLogPath() const { return dir_.file("access.log"); }
  std::string gatewayConfigPath() const { return dir_.file("gateway.json"); }

 private:
  TempDir dir_;
  std::unique_ptr<ChildProcess> mockProcess_;     // destroyed after the gateway
  std::unique_ptr<ChildProcess> gatewayProcess_;
  nlohmann::json mockPorts_;
  std::string gatewayAddress_;
  std::string adminAddress_;
};

}  // namespace gateway::testing
