// The shared fixture of the integration suite: mock-services with the standard services
// started once per test, and builders for the gateway configs the tests use.
//   /api/users/{id}   -> users  /users/{id}    (3 instances, round robin)
//   /api/orders...    -> orders /orders...     (prefix rewrite, query kept)
//   /echo/...         -> echo   /...           (strip_prefix; answers with the request it got)
//   /slow/...         -> echo   (route timeout 300 ms)
//   /dead/...         -> a port nobody listens on
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "tests/integration/gateway_stack.h"
#include "tests/integration/http_client.h"

namespace gateway::testing {

nlohmann::json standardMocks();

class StackTest : public ::testing::Test {
 protected:
  void SetUp() override;

  // The standard gateway config for the running mocks.
  nlohmann::json standardGateway() const;
  // Starts gatewayd with `config` (standardGateway() by default); fails the test if it cannot.
  void startGateway(const nlohmann::json& config, const std::vector<std::string>& extraArgs = {});
  void startGateway() { startGateway(standardGateway()); }

  // Requests through the gateway on a fresh connection.
  HttpReply get(const std::string& target, const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return fetch(stack_.gateway(), "GET", target, headers);
  }
  // The mock-services counters (/_stats of the first users instance).
  nlohmann::json mockStats();
  // The requests an instance served so far, by its id ("users-2").
  std::uint64_t mockRequests(const std::string& instance);
  // `promtool check metrics` over `text`: its exit status and output, or nullopt when promtool
  // is not installed (the caller skips).
  std::optional<std::pair<int, std::string>> promtoolCheck(const std::string& text);

  GatewayStack stack_;
};

// A free loopback port nobody listens on (bound, then closed).
std::uint16_t unusedPort();

}  // namespace gateway::testing
