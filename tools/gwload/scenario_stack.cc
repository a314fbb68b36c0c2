#include "tools/gwload/scenario_stack.h"

#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <vector>

namespace gwload {

StackBinaries builtBinaries() {
  StackBinaries b;
#ifdef GWLOAD_GATEWAYD_PATH
  b.gatewayd = GWLOAD_GATEWAYD_PATH;
#endif
#ifdef GWLOAD_MOCK_SERVICES_PATH
  b.mockServices = GWLOAD_MOCK_SERVICES_PATH;
#endif
  return b;
}

bool pointConfigAtMocks(nlohmann::json& gatewayJson, const nlohmann::json& mocksReady, std::string& error) {
  if (!gatewayJson.contains("services") || !gatewayJson["services"].is_array()) {
    error = "the scenario's gateway config has no services";
    return false;
  }
  const nlohmann::json* services = mocksReady.contains("services") ? &mocksReady["services"] : nullptr;
  for (auto& service : gatewayJson["services"]) {
    const std::string name = service.value("name", "");
    for (auto& instance : service["instances"]) {
      const std::string id = instance.value("id", "");
      std::string address;
      if (services && services->contains(name)) {
        for (const auto& bound : (*services)[name]) {
          if (bound.value("instance", "") == id) address = bound.value("address", "");
        }
      }
      if (address.empty()) {
        error = "mock-services did not start instance " + id + " of service " + name;
        return false;
      }
      instance["address"] = address;
    }
  }
  return true;
}

std::unique_ptr<ScenarioStack> ScenarioStack::start(const std::string& scenarioPath, const nlohmann::json& gatewayJson,
                                                    const StackBinaries& binaries, std::string& error) {
  std::unique_ptr<ScenarioStack> stack(new ScenarioStack());
  std::string tmpl = (std::filesystem::temp_directory_path() / "gwload-stack-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) {
    error = "cannot create a temporary directory";
    return nullptr;
  }
  stack->dir_ = tmpl;

  stack->mocks_ = gateway::net::ChildProcess::start(
      {binaries.mockServices, "--scenario", scenarioPath, "--no-faults"}, (stack->dir_ / "mock-services.err").string(), error);
  if (!stack->mocks_) return nullptr;
  const auto mockLine = stack->mocks_->readLine(std::chrono::seconds(20));
  const auto mocksReady = mockLine ? nlohmann::json::parse(*mockLine, nullptr, false) : nlohmann::json();
  if (!mocksReady.is_object() || !mocksReady.contains("services")) {
    error = "mock-services did not start: " + stack->mocks_->stderrText();
    return nullptr;
  }
  for (const auto& [name, instances] : mocksReady["services"].items()) {
    if (!instances.empty()) stack->mockAdmin_ = instances[0].value("address", "");
    break;
  }

  nlohmann::json config = gatewayJson;
  if (!pointConfigAtMocks(config, mocksReady, error)) return nullptr;
  const std::string configPath = (stack->dir_ / "gateway.json").string();
  std::ofstream(configPath) << config.dump(2);
  std::vector<std::string> argv = {binaries.gatewayd, "--config", configPath, "--listen", "127.0.0.1:0",
                                   "--admin", "127.0.0.1:0"};
  if (binaries.gatewayThreads > 0) {
    argv.push_back("--threads");
    argv.push_back(std::to_string(binaries.gatewayThreads));
  }
  stack->gatewayd_ = gateway::net::ChildProcess::start(argv, (stack->dir_ / "gatewayd.err").string(), error);
  if (!stack->gatewayd_) return nullptr;
  const auto gwLine = stack->gatewayd_->readLine(std::chrono::seconds(20));
  const auto ready = gwLine ? nlohmann::json::parse(*gwLine, nullptr, false) : nlohmann::json();
  if (!ready.is_object() || !ready.contains("listen") || !ready["listen"].is_string()) {
    error = "gatewayd did not start: " + stack->gatewayd_->stderrText();
    return nullptr;
  }
  stack->gateway_ = ready["listen"].get<std::string>();
  stack->admin_ = ready.value("admin", "");
  return stack;
}

bool ScenarioStack::stop(std::string& problems) {
  bool clean = true;
  // The gateway first, so nothing reaches a mock that is going away.
  for (auto* child : {gatewayd_.get(), mocks_.get()}) {
    if (!child) continue;
    child->signal(SIGTERM);
    auto code = child->wait(std::chrono::seconds(5));
    if (!code) {
      child->signal(SIGKILL);
      code = child->wait(std::chrono::seconds(5));
      problems += "a child did not stop within 5 s of SIGTERM; ";
      clean = false;
    } else if (*code != 0) {
      problems += "a child exited " + std::to_string(*code) + ": " + child->stderrText() + "; ";
      clean = false;
    }
  }
  gatewayd_.reset();
  mocks_.reset();
  return clean;
}

ScenarioStack::~ScenarioStack() {
  std::string ignored;
  if (gatewayd_ || mocks_) stop(ignored);
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

}  // namespace gwload
