#include "tests/integration/gateway_stack.h"

#include <cstdlib>

namespace gateway::testing {

using namespace std::chrono_literals;

namespace {

std::string fromEnv(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

std::string gatewaydPath() { return fromEnv("GATEWAYD", GATEWAYD_PATH); }
std::string mockServicesPath() { return fromEnv("MOCK_SERVICES", MOCK_SERVICES_PATH); }

GatewayStack::~GatewayStack() = default;

bool GatewayStack::startMocks(const nlohmann::json& config, std::string& error) {
  const std::string path = dir_.write("mocks.json", config.dump(2));
  mockProcess_ = ChildProcess::start({mockServicesPath(), "--config", path}, dir_.file("mocks.err"), error);
  if (!mockProcess_) return false;
  auto line = mockProcess_->readLine(10s);
  if (!line) {
    error = "mock-services printed no ports; stderr: " + mockProcess_->stderrText();
    return false;
  }
  mockPorts_ = nlohmann::json::parse(*line, nullptr, false);
  if (!mockPorts_.is_object() || !mockPorts_.contains("services")) {
    error = "mock-services printed \"" + *line + "\"";
    return false;
  }
  return true;
}

std::string GatewayStack::mock(const std::string& service, std::size_t index) const {
  return mockPorts_.at("services").at(service).at(index).at("address").get<std::string>();
}

void GatewayStack::writeGatewayConfig(const nlohmann::json& config) const { writeGatewayConfigText(config.dump(2)); }

void GatewayStack::writeGatewayConfigText(const std::string& text) const { dir_.write("gateway.json", text); }

bool GatewayStack::startGateway(const nlohmann::json& config, std::string& error,
                                const std::vector<std::string>& extraArgs) {
  writeGatewayConfig(config);
  std::vector<std::string> argv = {gatewaydPath(),  "--config", gatewayConfigPath(), "--listen", "127.0.0.1:0",
                                   "--admin",       "127.0.0.1:0", "--access-log",  accessLogPath()};
  argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
  gatewayProcess_ = ChildProcess::start(argv, dir_.file("gatewayd.err"), error);
  if (!gatewayProcess_) return false;
  auto line = gatewayProcess_->readLine(10s);
  if (!line) {
    error = "gatewayd printed no addresses; stderr: " + gatewayProcess_->stderrText();
    return false;
  }
  const auto ready = nlohmann::json::parse(*line, nullptr, false);
  if (!ready.is_object() || !ready.contains("listen")) {
    error = "gatewayd printed \"" + *line + "\"";
    return false;
  }
  gatewayAddress_ = ready["listen"].get<std::string>();
  adminAddress_ = ready["admin"].get<std::string>();
  return true;
}

}  // namespace gateway::testing
