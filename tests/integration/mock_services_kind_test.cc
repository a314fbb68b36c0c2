// The two worlds serve the same bytes: a scenario service's "kind" picks mock-services' data
// (--scenario) and the simulated service's answers, and for the scenario's seed the body
// mock-services sends over HTTP is byte for byte the one gwsim's SimTransport answers.
#include <csignal>
#include <optional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "libgateway/core/manual_time.h"
#include "sim/engine/sim_transport.h"
#include "sim/scenario/scenario.h"
#include "tests/integration/child_process.h"
#include "tests/integration/gateway_stack.h"
#include "tests/integration/http_client.h"
#include "tests/integration/temp_dir.h"

namespace gateway::testing {
namespace {

using nlohmann::json;

json kindScenario() {
  return {{"name", "kinds"},
          {"seed", 31},
          {"duration_s", 1},
          {"gateway",
           {{"services", {{{"name", "catalog"}, {"instances", {{{"id", "catalog-1"}, {"address", "127.0.0.1:9"}}}}},
                          {{"name", "people"}, {"instances", {{{"id", "people-1"}, {"address", "127.0.0.1:10"}}}}}}},
            {"routes", {{{"name", "r"}, {"match", {{"prefix", "/"}}}, {"service", "catalog"}}}}}},
          {"services",
           {{"catalog", {{"model", {{"workers", 4}, {"latency", 1}}}, {"kind", "products"}}},
            {"people", {{"model", {{"workers", 4}, {"latency", 1}}}, {"kind", "users"}}}}},
          {"clients", {{{"name", "c"}, {"arrival", {{"rate", 1}}}, {"requests", {{{"path", "/"}}}}}}}};
}

// The simulated service's answer to GET `target`.
std::string simulatedBody(const gwsim::Scenario& scenario, const std::string& service, const std::string& instance,
                          const std::string& target) {
  ManualClock clock{0};
  ManualScheduler scheduler{clock};
  gwsim::SimTransport transport(scenario, Random(scenario.seed));
  transport.attach(clock, scheduler);
  std::optional<UpstreamResult> result;
  Request request;
  request.target = target;
  transport.send({service, instance, "-"}, request, seconds(5), [&](UpstreamResult r) { result = std::move(r); });
  for (int i = 0; i < 100 && !result; ++i) scheduler.runNext();
  EXPECT_TRUE(result) << target;
  return result ? result->response.body : std::string();
}

TEST(MockServicesKindTest, MockServicesAndTheSimulatorServeTheSameBytes) {
  TempDir dir;
  const std::string path = dir.write("kinds.json", kindScenario().dump(2));
  auto load = gwsim::loadScenarioFile(path);
  ASSERT_TRUE(load.ok()) << load.errors.text();
  std::string error;
  auto mocks = ChildProcess::start({mockServicesPath(), "--scenario", path}, dir.file("mocks.err"), error);
  ASSERT_TRUE(mocks) << error;
  const auto line = mocks->readLine(std::chrono::seconds(10));
  ASSERT_TRUE(line) << mocks->stderrText();
  const json ports = json::parse(*line);
  const std::string catalog = ports["services"]["catalog"][0]["address"];
  const std::string people = ports["services"]["people"][0]["address"];

  // "catalog" is no data kind by name: the scenario's kind makes it products, not echo.
  const HttpReply product = fetch(catalog, "GET", "/products/12");
  EXPECT_EQ(product.status, 200) << product.body;
  EXPECT_EQ(json::parse(product.body)["id"], 12);
  EXPECT_EQ(product.body, simulatedBody(*load.scenario, "catalog", "catalog-1", "/products/12"));
  const HttpReply user = fetch(people, "GET", "/users/5");
  EXPECT_EQ(user.status, 200) << user.body;
  EXPECT_EQ(user.body, simulatedBody(*load.scenario, "people", "people-1", "/users/5"));
  const HttpReply missing = fetch(catalog, "GET", "/products/501");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, simulatedBody(*load.scenario, "catalog", "catalog-1", "/products/501"));
  mocks->signal(SIGTERM);
  EXPECT_EQ(mocks->wait(std::chrono::seconds(5)), std::optional<int>(0));
}

}  // namespace
}  // namespace gateway::testing
