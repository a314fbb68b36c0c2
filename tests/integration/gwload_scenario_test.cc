// gwload scenario: a shipped scenario, cut short, replayed for real against a stack gwload
// starts itself (mock-services + gatewayd on free loopback ports), then set beside the same
// scenario in gwsim with `gwsim agree`; and the command's exit codes for bad input and an
// unreachable gateway.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/core/exit_code.h"
#include "tests/integration/cli_exit.h"
#include "tests/integration/stack_test.h"
#include "tests/integration/temp_dir.h"

namespace gateway::testing {
namespace {

using namespace std::chrono_literals;

// The median's tolerance for gwsim agree: within 50% in plain builds (the suite runs beside
// other tests on two cores, and a late timer counts as latency; bench/agreement.sh measures
// latency agreement on a quiet machine); not judged under a sanitizer, where gatewayd and
// mock-services run several times slower (counts are judged in every build).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr const char* kMedianTolerance = "p50=off";
#else
constexpr const char* kMedianTolerance = "p50=50%";
#endif

std::string scenarioPath(const std::string& name) { return std::string(GATEWAY_SOURCE_DIR) + "/scenarios/" + name; }

CliResult runGwloadScenario(const TempDir& dir, const std::vector<std::string>& args, std::chrono::milliseconds limit = 60s) {
  std::vector<std::string> argv = {GWLOAD_PATH, "scenario"};
  argv.insert(argv.end(), args.begin(), args.end());
  return runToExit(argv, dir.file("gwload.err"), limit);
}

nlohmann::json readJsonFile(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in, nullptr, false);
}

std::uint64_t classCount(const nlohmann::json& stats, const char* key) {
  return stats.contains(key) && stats[key].is_number_unsigned() ? stats[key].get<std::uint64_t>() : 0;
}

// A scenario over one echo service (8 workers answering in 2 ms), with the clients and faults
// given as JSON arrays.
std::string echoScenario(const std::string& name, int seed, double durationS, const std::string& clients,
                         const std::string& faults) {
  const nlohmann::json doc = {
      {"name", name},
      {"seed", seed},
      {"duration_s", durationS},
      {"gateway", nlohmann::json::parse(R"({
        "services": [{"name": "echo", "instances": [{"id": "echo-1", "address": "127.0.0.1:9991"}]}],
        "routes": [{"name": "echo", "match": {"prefix": "/"}, "service": "echo"}]})")},
      {"services", nlohmann::json::parse(R"({"echo": {"model": {"workers": 8, "queue": 64, "latency": {"kind": "constant", "ms": 2}}}})")},
      {"clients", nlohmann::json::parse(clients)},
      {"faults", nlohmann::json::parse(faults)}};
  return doc.dump(2);
}

// api_plans cut to 8 seconds: the free tenants drain their token buckets from the second second, so
// both 2xx and 429 answers come back; the real run and the simulation agree on both counts.
TEST(GwloadScenario, ShortenedRateLimitScenarioAgreesWithTheSimulator) {
  TempDir dir;
  const std::string scenario = scenarioPath("api_plans.json");
  const CliResult real = runGwloadScenario(
      dir, {scenario, "--launch", "--duration-s", "8", "--quiet", "--json", dir.file("real.json")}, 90s);
  ASSERT_TRUE(real.code) << "gwload did not end: " << real.err;
  ASSERT_TRUE(*real.code == kExitOk || *real.code == kExitCheckFailed) << real.out << real.err;
  const nlohmann::json r = readJsonFile(dir.file("real.json"));
  ASSERT_TRUE(r.is_object()) << "no JSON result";
  EXPECT_EQ(r["world"], "real");
  EXPECT_EQ(r["real"]["no_answer"]["connect"], 0);
  EXPECT_EQ(r["real"]["no_answer"]["timeout"], 0);
  ASSERT_TRUE(r.contains("routes")) << r.dump();
  const nlohmann::json& total = r["total"];
  EXPECT_GT(classCount(total, "status_2xx"), 100u) << total.dump();
  ASSERT_TRUE(total["status"].is_object()) << total.dump();
  EXPECT_GT(total["status"].value("429", std::uint64_t{0}), 100u) << total.dump();

  const CliResult sim = runToExit({GWSIM_PATH, "run", scenario, "--duration-s", "8", "--json"}, dir.file("gwsim.err"), 60s);
  ASSERT_TRUE(sim.code) << sim.err;
  std::ofstream(dir.file("sim.json")) << sim.out;
  // Counts at the default tolerances (5%); the median as kMedianTolerance says.
  const CliResult agree = runToExit({GWSIM_PATH, "agree", scenario, "--sim", dir.file("sim.json"), "--real",
                                     dir.file("real.json"), "--tolerance", kMedianTolerance},
                                    dir.file("agree.err"), 60s);
  ASSERT_TRUE(agree.code) << agree.err;
  EXPECT_EQ(*agree.code, kExitOk) << agree.out << agree.err;
}

TEST(GwloadScenario, NeitherGatewayNorLaunchIsAUsageError) {
  TempDir dir;
  const CliResult run = runGwloadScenario(dir, {scenarioPath("api_plans.json")});
  ASSERT_TRUE(run.code);
  EXPECT_EQ(*run.code, kExitBadInput);
  EXPECT_TRUE(contains(run.err, "--gateway")) << run.err;
}

TEST(GwloadScenario, AGatewayThatIsNotHostColonPortIsAUsageError) {
  TempDir dir;
  for (const char* bad : {"http://127.0.0.1:8080", "127.0.0.1", "127.0.0.1:http", ":8080", "127.0.0.1:70000"}) {
    const CliResult run = runGwloadScenario(dir, {scenarioPath("api_plans.json"), "--gateway", bad});
    ASSERT_TRUE(run.code) << bad;
    EXPECT_EQ(*run.code, kExitBadInput) << bad << ": " << run.err;
    EXPECT_TRUE(contains(run.err, "--gateway \"" + std::string(bad) + "\": expected HOST:PORT")) << run.err;
  }
}

TEST(GwloadScenario, ABrokenScenarioIsBadInputWithItsPath) {
  TempDir dir;
  const std::string path = dir.write("broken.json", R"({"name": "x", "duration_s": "long"})");
  const CliResult run = runGwloadScenario(dir, {path, "--gateway", "127.0.0.1:9"});
  ASSERT_TRUE(run.code);
  EXPECT_EQ(*run.code, kExitBadInput);
  EXPECT_TRUE(contains(run.err, "/duration_s")) << run.err;
}

TEST(GwloadScenario, AGatewayThatRefusesEveryConnectionIsARuntimeFailure) {
  TempDir dir;
  const std::string port = std::to_string(unusedPort());
  // The scenario is 60 s long; a gateway that refuses every connection for its first second
  // stops the replay there (the run is bounded at 15 s).
  const CliResult run =
      runGwloadScenario(dir, {scenarioPath("api_plans.json"), "--gateway", "127.0.0.1:" + port, "--quiet"}, 15s);
  ASSERT_TRUE(run.code) << run.err;
  EXPECT_EQ(*run.code, kExitRuntime) << run.out << run.err;
  EXPECT_TRUE(contains(run.err, "no try could connect")) << run.err;
}

// The fault timeline reaches mock-services at its times: 503s answered by an abort fault from
// 1 s to 2 s of a 3 s scenario, as many as the simulation answers, and none outside it.
TEST(GwloadScenario, TheFaultTimelineIsPostedToMockServicesAtItsTimes) {
  TempDir dir;
  const std::string scenario = dir.write("abort.json", echoScenario("abort-window", 5, 3, R"(
    [{"name": "c", "arrival": {"process": "constant", "rate": 100}, "requests": [{"path": "/x"}]}])",
                                                                     R"(
    [{"kind": "abort", "service": "echo", "status": 503, "at_s": 1, "for_s": 1}])"));
  const CliResult real =
      runGwloadScenario(dir, {scenario, "--launch", "--quiet", "--json", dir.file("real.json")}, 60s);
  ASSERT_TRUE(real.code) << real.err;
  ASSERT_EQ(*real.code, kExitOk) << real.out << real.err;
  const nlohmann::json r = readJsonFile(dir.file("real.json"));
  ASSERT_TRUE(r.is_object());
  const std::uint64_t aborted = r["total"]["status"].value("503", std::uint64_t{0});
  EXPECT_GE(aborted, 95u) << r["total"].dump();   // 100 a second for the fault's second
  EXPECT_LE(aborted, 105u) << r["total"].dump();
  EXPECT_GE(classCount(r["total"], "status_2xx"), 190u) << r["total"].dump();

  const CliResult agree = runToExit({GWSIM_PATH, "agree", scenario, "--real", dir.file("real.json"), "--tolerance",
                                     "5xx=5%", "--tolerance", kMedianTolerance},
                                    dir.file("agree.err"), 60s);
  ASSERT_TRUE(agree.code) << agree.err;
  EXPECT_EQ(*agree.code, kExitOk) << agree.out << agree.err;
}

// A retry decided before the end but due after it is sent, as gwsim sends it: the replay
// waits for calls still open (the outage scenario's Retry-After herd at its end was 500
// served payments that only the simulation had). Every first try in this 2 s scenario gets an
// injected 503 and retries once after a backoff of up to 2 s, so about half of the retries
// leave after the end, when the fault is over, and are served.
TEST(GwloadScenario, RetriesDueAfterTheEndAreSentAsInTheSimulation) {
  TempDir dir;
  const std::string scenario = dir.write("late_retries.json", echoScenario("late-retries", 8, 2, R"(
    [{"name": "c", "arrival": {"process": "constant", "rate": 50},
      "retry": {"max": 1, "on": [503], "backoff_ms": 2000}, "requests": [{"path": "/x"}]}])",
                                                                          R"(
    [{"kind": "abort", "service": "echo", "status": 503, "at_s": 0, "for_s": 2}])"));
  const CliResult real = runGwloadScenario(dir, {scenario, "--launch", "--quiet", "--json", dir.file("real.json")}, 60s);
  ASSERT_TRUE(real.code) << real.err;
  ASSERT_EQ(*real.code, kExitOk) << real.out << real.err;
  const CliResult sim = runToExit({GWSIM_PATH, "run", scenario, "--json"}, dir.file("sim.err"), 60s);
  ASSERT_TRUE(sim.code) << sim.err;
  const nlohmann::json r = readJsonFile(dir.file("real.json"));
  const nlohmann::json s = nlohmann::json::parse(sim.out, nullptr, false);
  ASSERT_TRUE(r.is_object() && s.is_object()) << sim.out << sim.err;
  EXPECT_EQ(r["client_requests"], 100);
  EXPECT_EQ(r["retries"], s["retries"]);
  EXPECT_EQ(r["gateway_requests"], s["gateway_requests"]) << r["total"].dump();
  const std::uint64_t served = classCount(r["total"], "status_2xx");
  const std::uint64_t simServed = classCount(s["total"], "status_2xx");
  EXPECT_GE(simServed, 25u) << s["total"].dump();
  // Retries land about 50 a second around the fault's end, which the real timers may see some
  // 20 ms late (more under a sanitizer): a few may fall on the other side of it.
  EXPECT_NEAR(static_cast<double>(served), static_cast<double>(simServed), 6.0) << r["total"].dump();
  EXPECT_GT(r["simulated_s"].get<double>(), 2.5);
}

// outage_with_breaker has a fault: with no mock-services to post it to, nothing is sent.
TEST(GwloadScenario, AFaultThatCannotBePostedStopsTheReplayBeforeItStarts) {
  TempDir dir;
  const std::string port = std::to_string(unusedPort());
  const CliResult run = runGwloadScenario(dir, {scenarioPath("outage_with_breaker.json"), "--gateway", "127.0.0.1:" + port,
                                                "--mock-admin", "127.0.0.1:" + port, "--quiet"});
  ASSERT_TRUE(run.code) << run.err;
  EXPECT_EQ(*run.code, kExitRuntime) << run.out << run.err;
  EXPECT_TRUE(contains(run.err, "fault not applied: down on payments")) << run.err;
  EXPECT_TRUE(contains(run.out, " 0 requests")) << run.out;
}

}  // namespace
}  // namespace gateway::testing
