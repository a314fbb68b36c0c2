// The simulator against theory: arrival processes against their configured rates, the
// capacity model against the M/M/c queueing formula, and each fault kind against its effect.
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "sim/workload/rate_profile.h"
#include "tests/sim/sim_test_support.h"

namespace gwsim {
namespace {

using testing::mustLoad;
using testing::oneServiceGateway;
using testing::runQuiet;

nlohmann::json arrivalScenario(const nlohmann::json& arrival, double durationS) {
  return {{"name", "arrival"},
          {"seed", 17},
          {"duration_s", durationS},
          {"gateway", oneServiceGateway()},
          {"services", {{"svc", {{"model", {{"workers", 100000}, {"queue", 0}, {"latency", 1}}}}}}},
          {"clients", {{{"name", "c"}, {"count", 10}, {"arrival", arrival}, {"requests", {{{"path", "/x"}}}}}}}};
}

struct ArrivalCase {
  const char* name;
  const char* arrival;
  double durationS;
};

// gtest's "GetParam() = ..." line: the process as written in the scenario.
void PrintTo(const ArrivalCase& c, std::ostream* os) {
  *os << c.name << ": " << c.arrival << " for " << c.durationS << " s";
}

class ArrivalRateTest : public ::testing::TestWithParam<ArrivalCase> {};

TEST_P(ArrivalRateTest, ObservedCountWithinTwoPercentOfTheConfiguredRate) {
  const auto& c = GetParam();
  const nlohmann::json arrival = nlohmann::json::parse(c.arrival);
  const Scenario s = mustLoad(arrivalScenario(arrival, c.durationS));
  const double expected = s.clients[0].arrival.expectedArrivals(s.duration);
  const RunResult r = runQuiet(s);
  ASSERT_GT(expected, 10000) << "the case must be long enough for a 2% check";
  EXPECT_NEAR(static_cast<double>(r.clientRequests), expected, expected * 0.02) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    Processes, ArrivalRateTest,
    ::testing::Values(
        ArrivalCase{"constant", R"({"process": "constant", "rate": 500})", 60},
        ArrivalCase{"poisson", R"({"process": "poisson", "rate": 500})", 60},
        ArrivalCase{"on_off", R"({"process": "poisson", "rate": 1000, "on_off": {"on_s": 2, "off_s": 3}})", 100},
        ArrivalCase{"ramp", R"({"process": "poisson", "stages": [{"for_s": 20, "rate": 1000}, {"for_s": 40, "rate": 200}]})", 60},
        ArrivalCase{"diurnal", R"({"process": "poisson", "rate": 400, "diurnal": {"period_s": 30, "amplitude": 0.8}})", 75},
        ArrivalCase{"flash_crowd", R"({"process": "poisson", "rate": 200, "flash_crowd": {"at_s": 10, "for_s": 10, "multiplier": 8}})", 60},
        ArrivalCase{"constant_ramp", R"({"process": "constant", "stages": [{"for_s": 30, "rate": 800}, {"for_s": 30, "rate": 100}]})", 60}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ArrivalRate, RateProfileShapes) {
  RateProfile p;
  p.rate = 100;
  p.flash = true;
  p.flashAt = gateway::seconds(10);
  p.flashLength = gateway::seconds(5);
  p.flashMultiplier = 4;
  EXPECT_DOUBLE_EQ(p.rateAt(gateway::seconds(9)), 100);
  EXPECT_DOUBLE_EQ(p.rateAt(gateway::seconds(10)), 400);
  EXPECT_DOUBLE_EQ(p.rateAt(gateway::seconds(15)), 100);
  RateProfile ramp;
  ramp.rate = 0;
  ramp.stages = {{gateway::seconds(10), 100}, {gateway::seconds(10), 100}};
  EXPECT_DOUBLE_EQ(ramp.rateAt(gateway::seconds(5)), 50);
  EXPECT_DOUBLE_EQ(ramp.rateAt(gateway::seconds(15)), 100);
  EXPECT_DOUBLE_EQ(ramp.rateAt(gateway::seconds(100)), 100);
}

// Erlang C: the probability that an arrival waits in an M/M/c queue.
double erlangC(int c, double a) {
  double sum = 0, term = 1;
  for (int k = 0; k < c; ++k) {
    if (k > 0) term *= a / k;
    sum += term;
  }
  const double last = term * a / c;
  const double rho = a / c;
  const double top = last / (1 - rho);
  return top / (sum + top);
}

TEST(ServiceModel, MatchesMMcMeanResponseTimeWithinFivePercent) {
  constexpr int kWorkers = 4;
  constexpr double kMu = 100.0;      // per worker per second: 10 ms mean service
  constexpr double kLambda = 320.0;  // utilisation 0.8
  nlohmann::json doc = {
      {"name", "mmc"},
      {"seed", 2024},
      {"duration_s", 600},
      {"gateway", oneServiceGateway(1, 3600000)},
      {"services", {{"svc", {{"model", {{"workers", kWorkers}, {"queue", 1000000},
                                         {"latency", {{"kind", "exponential"}, {"mean_ms", 1000.0 / kMu}}}}}}}}},
      {"clients", {{{"name", "c"}, {"count", 1000}, {"arrival", {{"process", "poisson"}, {"rate", kLambda}}},
                    {"requests", {{{"path", "/x"}}}}}}}};
  const RunResult r = runQuiet(mustLoad(doc));
  const double a = kLambda / kMu;
  const double wq = erlangC(kWorkers, a) / (kWorkers * kMu - kLambda);
  const double expectedMs = (wq + 1.0 / kMu) * 1000.0;
  const double observedMs = r.total.latency.mean() / 1000.0;
  EXPECT_NEAR(observedMs, expectedMs, expectedMs * 0.05) << "Erlang C predicts " << expectedMs << " ms";
  EXPECT_EQ(r.total.statuses.byClass[2], r.total.statuses.total);
}

TEST(ServiceModel, FullQueueAnswers503AndRequestsWaitBehindTheQueue) {
  nlohmann::json doc = {
      {"name", "overload"},
      {"duration_s", 10},
      {"gateway", oneServiceGateway(1, 60000)},
      {"services", {{"svc", {{"model", {{"workers", 2}, {"queue", 10}, {"latency", {{"kind", "constant"}, {"ms", 10}}}}}}}}},
      {"clients", {{{"name", "c"}, {"arrival", {{"process", "constant"}, {"rate", 400}}}, {"requests", {{{"path", "/x"}}}}}}}};
  const RunResult r = runQuiet(mustLoad(doc));
  // Capacity is 200/s: about half of 400/s is refused, and admitted requests wait ~10 queued x 5 ms.
  EXPECT_NEAR(static_cast<double>(r.total.statuses.code(503)), 2000, 100);
  // The admitted half waits behind a full queue: ~10 queued x 5 ms + 10 ms of service.
  EXPECT_GE(r.total.latency.quantile(0.9), gateway::millis(50));
  EXPECT_EQ(r.instances[0].maxQueued, 10u);
}

nlohmann::json faultScenario(const nlohmann::json& fault, int timeoutMs = 1000) {
  return {{"name", "fault"},
          {"seed", 1},
          {"duration_s", 20},
          {"gateway", oneServiceGateway(2, timeoutMs)},
          {"services", {{"svc", {{"model", {{"workers", 1000}, {"queue", 0}, {"latency", {{"kind", "constant"}, {"ms", 10}}}}}}}}},
          {"clients", {{{"name", "c"}, {"arrival", {{"process", "constant"}, {"rate", 100}}}, {"requests", {{{"path", "/x"}}}}}}},
          {"faults", {fault}}};
}

TEST(Faults, LatencyWithJitterIsAdded) {
  const RunResult r = runQuiet(mustLoad(faultScenario(
      {{"kind", "latency"}, {"service", "svc"}, {"at_s", 0}, {"latency_ms", 200}, {"jitter_ms", 50}})));
  EXPECT_GE(r.total.latency.min(), gateway::millis(10 + 150));
  EXPECT_LE(r.total.latency.max(), gateway::millis(10 + 250) + 2000);
  EXPECT_NEAR(r.total.latency.mean(), gateway::millis(210), gateway::millis(5));
}

TEST(Faults, AbortWithProbabilityAnswersItsStatus) {
  const RunResult r = runQuiet(mustLoad(faultScenario(
      {{"kind", "abort"}, {"service", "svc"}, {"at_s", 0}, {"status", 503}, {"probability", 0.3}})));
  EXPECT_NEAR(static_cast<double>(r.total.statuses.code(503)) / r.total.statuses.total, 0.3, 0.03);
}

TEST(Faults, ResetMapsTo502) {
  const RunResult r = runQuiet(mustLoad(faultScenario({{"kind", "reset"}, {"service", "svc"}, {"at_s", 5}, {"for_s", 5}})));
  EXPECT_NEAR(static_cast<double>(r.total.statuses.code(502)), 500, 2);
  std::uint64_t resets = 0;
  for (const auto& i : r.instances) resets += i.resets;
  EXPECT_EQ(resets, r.total.statuses.code(502));
}

TEST(Faults, HangMakesTheCallerTimeOutAtItsDeadline) {
  const RunResult r = runQuiet(mustLoad(faultScenario(
      {{"kind", "hang"}, {"service", "svc"}, {"instance", "svc-1"}, {"at_s", 0}}, 300)));
  // Round robin over two instances: half hang until the 300 ms deadline.
  EXPECT_NEAR(static_cast<double>(r.total.statuses.code(504)), 1000, 2);
  EXPECT_EQ(r.total.latency.max(), gateway::millis(300));
}

TEST(Faults, DownInstanceRefusesConnections) {
  const RunResult r = runQuiet(mustLoad(faultScenario({{"kind", "down"}, {"service", "svc"}, {"at_s", 10}, {"for_s", 5}})));
  EXPECT_NEAR(static_cast<double>(r.total.statuses.code(502)), 500, 2);
  std::uint64_t refused = 0;
  for (const auto& i : r.instances) refused += i.refused;
  EXPECT_EQ(refused, r.total.statuses.code(502));
}

TEST(Faults, FlappingIsDownHalfOfEachPeriod) {
  const RunResult r = runQuiet(mustLoad(faultScenario(
      {{"kind", "flapping"}, {"service", "svc"}, {"at_s", 0}, {"period_s", 2}})));
  EXPECT_NEAR(static_cast<double>(r.total.statuses.code(502)) / r.total.statuses.total, 0.5, 0.01);
}

TEST(Faults, CapacityReductionQueuesWork) {
  nlohmann::json doc = faultScenario({{"kind", "capacity"}, {"service", "svc"}, {"at_s", 0}, {"capacity", 0.25}});
  doc["services"]["svc"]["model"] = {{"workers", 4}, {"queue", 1000}, {"latency", {{"kind", "constant"}, {"ms", 10}}}};
  // Poisson 160/s over two instances: 80/s each; one worker (capacity 100/s) is 80% busy.
  doc["clients"][0]["arrival"] = {{"process", "poisson"}, {"rate", 160}};
  const RunResult withFault = runQuiet(mustLoad(doc));
  doc["faults"] = nlohmann::json::array();
  const RunResult without = runQuiet(mustLoad(doc));
  EXPECT_GE(without.instances[0].maxBusy, 2u);
  EXPECT_EQ(withFault.instances[0].maxBusy, 1u);
  EXPECT_GT(withFault.instances[0].maxQueued, 0u);
  // One worker at 80% load: requests now wait for it (round robin makes each instance's
  // arrivals more regular than Poisson, so less than M/D/1's 20 ms).
  EXPECT_GT(withFault.total.latency.mean(), without.total.latency.mean() + gateway::millis(5));
}

TEST(Faults, EveryWorkerReturnsWhenACapacityFaultEndsWithAQueue) {
  // 4 workers of 10 ms (400/s) per instance, 200/s each; a quarter of them (100/s) for the
  // first 5 s, so about 500 requests wait when the fault ends. Then all 4 workers take the
  // queue, which drains in about 2.5 s; were only the one worker back, the queue would grow
  // until it overflowed into 503s.
  nlohmann::json doc = faultScenario({{"kind", "capacity"}, {"service", "svc"}, {"at_s", 0}, {"for_s", 5}, {"capacity", 0.25}});
  doc["services"]["svc"]["model"] = {{"workers", 4}, {"queue", 1000}, {"latency", {{"kind", "constant"}, {"ms", 10}}}};
  doc["gateway"] = oneServiceGateway(2, 60000);
  doc["clients"][0]["arrival"] = {{"process", "constant"}, {"rate", 400}};
  const RunResult r = runQuiet(mustLoad(doc));
  EXPECT_EQ(r.total.statuses.code(503), 0u);
  EXPECT_EQ(r.total.statuses.code(200), r.total.statuses.total);
  for (const auto& i : r.instances) {
    EXPECT_EQ(i.maxBusy, 4u) << i.instance;
    EXPECT_NEAR(static_cast<double>(i.maxQueued), 500, 20) << i.instance;
  }
  // A request arriving at t < 5 s finds 100t ahead of it; the longest wait is about 2.5 s
  // (t = 2.5 s, its queue served by the one worker just as the fault ends).
  EXPECT_LT(r.total.latency.max(), gateway::millis(2700));
}

TEST(Faults, SlowBodyAddsBodyBytesOverTheRateAfterTheWork) {
  // 2000 assumed body bytes at 10000 B/s: +200 ms on the 10 ms of work, and the worker is free
  // while the body trickles (one request at a time per instance, as without the fault).
  const RunResult r = runQuiet(mustLoad(faultScenario(
      {{"kind", "slow_body"}, {"service", "svc"}, {"at_s", 0}, {"bytes_per_s", 10000}, {"body_bytes", 2000}})));
  EXPECT_EQ(r.total.statuses.code(200), r.total.statuses.total);
  EXPECT_EQ(r.total.latency.min(), gateway::millis(210));
  EXPECT_EQ(r.total.latency.max(), gateway::millis(210));
  for (const auto& i : r.instances) EXPECT_EQ(i.maxBusy, 1u);
  // The default assumed body (1024 bytes) at 10240 B/s: +100 ms.
  const RunResult byDefault = runQuiet(mustLoad(faultScenario(
      {{"kind", "slow_body"}, {"service", "svc"}, {"at_s", 0}, {"bytes_per_s", 10240}})));
  EXPECT_EQ(byDefault.total.latency.max(), gateway::millis(110));
}

TEST(Faults, SlowBodyPastTheDeadlineTimesOut) {
  const RunResult r = runQuiet(mustLoad(faultScenario(
      {{"kind", "slow_body"}, {"service", "svc"}, {"at_s", 0}, {"bytes_per_s", 1000}, {"body_bytes", 2000}}, 300)));
  EXPECT_EQ(r.total.statuses.code(504), r.total.statuses.total);
  EXPECT_EQ(r.total.latency.max(), gateway::millis(300));
}

TEST(Retries, ClientsRetryAndHonourRetryAfter) {
  nlohmann::json doc = faultScenario({{"kind", "abort"}, {"service", "svc"}, {"at_s", 0}, {"status", 503}, {"probability", 1.0}});
  doc["clients"][0]["retry"] = {{"max", 2}, {"on", {503}}, {"backoff_ms", 10}};
  const RunResult r = runQuiet(mustLoad(doc));
  EXPECT_LE(r.retries, 2 * r.clientRequests);
  EXPECT_GE(r.retries, 2 * r.clientRequests - 10);  // requests near the end are not retried
  EXPECT_EQ(r.gatewayRequests, r.clientRequests + r.retries);
  EXPECT_EQ(r.groups.at("c").statuses.total, r.clientRequests);
}

}  // namespace
}  // namespace gwsim

namespace gwsim {
namespace {

TEST(Replay, RecordedRequestsAreSentAtTheirTimes) {
  const auto dir = std::filesystem::temp_directory_path() / "gwsim_replay_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "trace.csv") << "t_us,method,target,api_key,client\n"
                                   << "# a comment\n"
                                   << "1000,GET,/a,,c1\n"
                                   << "2000,POST,/b?x=1,,c2\n"
                                   << "2000,GET,/c,,c1\n"
                                   << "5000000,GET,/d,,c3\n";
  nlohmann::json doc = {{"name", "replay"},
                        {"duration_s", 10},
                        {"gateway", testing::oneServiceGateway()},
                        {"services", {{"svc", {{"model", {{"workers", 10}, {"latency", 1}}}}}}},
                        {"clients", {{{"name", "rec"}, {"replay", {{"file", "trace.csv"}}}}}}};
  auto load = loadScenarioJson(doc, dir.string());
  ASSERT_TRUE(load.ok()) << load.errors.text();
  std::FILE* f = std::tmpfile();
  RunOptions o;
  o.trace = f;
  const RunResult r = runScenario(*load.scenario, o);
  EXPECT_EQ(r.clientRequests, 4u);
  std::rewind(f);
  std::vector<std::string> lines;
  char buf[512];
  while (std::fgets(buf, sizeof buf, f)) lines.emplace_back(buf);
  std::fclose(f);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[1].rfind("1000,", 0), 0u) << lines[1];
  EXPECT_NE(lines[2].find(",c2,,POST,/b?x=1,"), std::string::npos) << lines[2];
  EXPECT_EQ(lines[4].rfind("5000000,", 0), 0u) << lines[4];

  std::ofstream(dir / "bad.csv") << "10,GET,/a\n5,GET,/b\nx,GET,/c\n20,get,/d\n30,GET,e\n";
  doc["clients"][0]["replay"]["file"] = "bad.csv";
  auto bad = loadScenarioJson(doc, dir.string());
  ASSERT_FALSE(bad.ok());
  const std::string text = bad.errors.text();
  for (const char* want : {"bad.csv:2: times must not decrease", "bad.csv:3: \"x\" is not a time in microseconds",
                           "bad.csv:4: \"get\" is not an HTTP method", "bad.csv:5: the target must start with '/'"}) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gwsim
