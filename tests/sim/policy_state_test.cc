// `gwsim run --policy-state FILE`: the gateway's policy report (policy_report.h) at the end of
// a run, at the simulated clock, here with scenarios/outage_with_breaker.json's breaker; and
// asking for it changes nothing else the run produces.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "libgateway/resilience/circuit_breaker.h"
#include "sim/commands/run_command.h"
#include "tests/sim/sim_test_support.h"

namespace gwsim {
namespace {

using nlohmann::json;

const std::string kScenario = std::string(GATEWAY_SOURCE_DIR) + "/scenarios/outage_with_breaker.json";

// Parses and runs `args` as gwsim would (without the program name).
int runCli(const std::vector<std::string>& args) {
  CLI::App app{"gwsim"};
  app.require_subcommand(1);
  Command command = addRunCommand(app);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them reversed
  app.parse(reversed);
  return command.app->parsed() ? command.run() : 2;
}

std::string tempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (name + "." + std::to_string(::getpid()) + ".json")).string();
}

TEST(PolicyState, RunWritesTheScenariosBreaker) {
  const std::string path = tempPath("gwsim-policy-state");
  ASSERT_EQ(runCli({"run", kScenario, "--quiet", "--policy-state", path}), 0);
  std::ifstream in(path);
  const json s = json::parse(in, nullptr, false);
  std::filesystem::remove(path);
  ASSERT_TRUE(s.is_object()) << "not JSON";

  EXPECT_GE(s["now_us"].get<std::int64_t>(), gateway::seconds(60)) << "the simulated clock at the end";
  EXPECT_EQ(s["config_version"], 1);
  ASSERT_EQ(s["circuit_breakers"].size(), 1u) << s["circuit_breakers"].dump(2);
  const json& b = s["circuit_breakers"]["payments"];
  EXPECT_EQ(b["config"]["mode"], "failure_rate");
  EXPECT_EQ(b["config"]["window_size"], 20);
  EXPECT_EQ(b["config"]["minimum_calls"], 10);
  EXPECT_EQ(b["config"]["failure_rate_threshold"], 50.0);
  EXPECT_EQ(b["config"]["open_ms"], 5000);
  EXPECT_EQ(b["config"]["half_open_calls"], 3);
  // The outage (20 s to 40 s) opened it; payments healed, so a trial closed it again.
  EXPECT_EQ(b["state"], "closed");
  EXPECT_GT(b["rejected"].get<std::uint64_t>(), 2000u);
  const json& history = b["history"];
  ASSERT_GE(history.size(), 3u);
  EXPECT_EQ(history.size(), std::min<std::size_t>(b["transitions"].get<std::size_t>(), gateway::CircuitBreaker::kHistory));
  EXPECT_EQ(history[0]["from"], "closed");
  EXPECT_EQ(history[0]["to"], "open");
  const auto openedAt = history[0]["at_us"].get<std::int64_t>();
  EXPECT_GE(openedAt, gateway::seconds(20));
  EXPECT_LT(openedAt, gateway::seconds(21));
  EXPECT_EQ(history.back()["to"], "closed");

  EXPECT_EQ(s["retry_budgets"].size(), 2u);
  EXPECT_EQ(s["upstream_instances"]["payments"]["payments-1"]["in_flight"], 0) << "drained";
  EXPECT_TRUE(s["outlier_detection"].empty());
}

TEST(PolicyState, AskingForItChangesNothingElse) {
  auto load = loadScenarioFile(kScenario);
  ASSERT_TRUE(load.ok()) << load.errors.text();
  const RunResult plain = testing::runQuiet(*load.scenario);
  json state;
  RunOptions options;
  options.policyState = &state;
  const RunResult withState = runScenario(*load.scenario, options);
  EXPECT_EQ(plain.traceHash, withState.traceHash);
  EXPECT_EQ(plain.toJson().dump(), withState.toJson().dump());
  EXPECT_EQ(state["circuit_breakers"]["payments"]["transitions"].get<std::size_t>(),
            withState.breakers.at("payments").transitionCount);
}

TEST(PolicyState, AnUnwritablePathFailsBeforeTheRun) {
  EXPECT_EQ(runCli({"run", kScenario, "--quiet", "--policy-state", "/nonexistent-dir/state.json"}), 3);  // runtime
}

}  // namespace
}  // namespace gwsim
