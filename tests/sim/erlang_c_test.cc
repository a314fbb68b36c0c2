// The service model against queueing theory: Poisson arrivals at one instance with `c`
// workers, exponential service times and a queue that never fills form an M/M/c queue, whose
// mean response time is 1/mu + C(c, a) / (c*mu - lambda) (Erlang C, a = lambda/mu). The
// network latency L (one way) adds 2L to every answer and keeps no worker busy: the run's
// mean latency is the formula's plus 2L, and the instance's busy time is the same with and
// without latency.
#include <cmath>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/engine/simulation_run.h"
#include "sim_test_support.h"

namespace gwsim {
namespace {

constexpr double kErlangServiceMs = 10.0;  // the mean service time, 1/mu

// Erlang C: the probability that an arrival waits, with c servers and a = lambda/mu erlangs.
double erlangC(int c, double a) {
  double term = 1.0, sum = 0.0;  // term = a^k / k!
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double waiting = term / (1.0 - a / c);
  return waiting / (sum + waiting);
}

// The mean response time of M/M/c in ms at utilisation `rho`.
double mmcResponseMs(int c, double rho) {
  const double mu = 1.0 / kErlangServiceMs;  // per ms
  const double lambda = rho * c * mu;
  return kErlangServiceMs + erlangC(c, lambda / mu) / (c * mu - lambda);
}

struct ErlangRun {
  double meanMs = 0;
  std::uint64_t answered = 0;
  gateway::Duration busy = 0;
  double utilisation = 0;
};

ErlangRun runErlang(int workers, double rho, double networkLatencyMs, int durationS) {
  const double rate = rho * workers * 1000.0 / kErlangServiceMs;
  const nlohmann::json doc = {
      {"name", "erlang-c"},
      {"seed", 16},
      {"duration_s", durationS},
      {"network_latency_ms", networkLatencyMs},
      {"gateway", testing::oneServiceGateway(1)},
      {"services",
       {{"svc",
         {{"model",
           {{"workers", workers}, {"queue", 100000}, {"latency", {{"kind", "exponential"}, {"mean_ms", kErlangServiceMs}}}}}}}}},
      {"clients",
       {{{"name", "poisson"}, {"count", 100}, {"arrival", {{"process", "poisson"}, {"rate", rate}}},
         {"requests", {{{"path", "/"}}}}}}}};
  const Scenario scenario = testing::mustLoad(doc);
  SimulationRun run(scenario, RunOptions{});
  run.runEvents();
  ErlangRun out;
  for (const auto& i : run.transport().instances()) out.busy += i.counters->busyTime;
  const RunResult result = run.finish();
  out.meanMs = result.total.latency.mean() / 1000.0;
  out.answered = result.total.statuses.code(200);
  out.utilisation = static_cast<double>(out.busy) / (static_cast<double>(workers) * gateway::seconds(durationS));
  return out;
}

struct ErlangCase {
  int workers;
  double rho;
  double latencyMs;
  int durationS;
};

class ErlangC : public ::testing::TestWithParam<ErlangCase> {};

TEST_P(ErlangC, MeanResponseIsErlangCPlusTheRoundTrip) {
  const ErlangCase p = GetParam();
  const ErlangRun r = runErlang(p.workers, p.rho, p.latencyMs, p.durationS);
  const double expected = mmcResponseMs(p.workers, p.rho) + 2 * p.latencyMs;
  ASSERT_GT(r.answered, 10000u);
  EXPECT_NEAR(r.meanMs, expected, 0.04 * expected)
      << "M/M/" << p.workers << " at " << p.rho << " with L = " << p.latencyMs << " ms";
  EXPECT_NEAR(r.utilisation, p.rho, 0.03 * p.rho);
}

std::string erlangCaseName(const ::testing::TestParamInfo<ErlangCase>& info) {
  const ErlangCase& p = info.param;
  return "c" + std::to_string(p.workers) + "_load" + std::to_string(static_cast<int>(p.rho * 100)) + "_L" +
         std::to_string(static_cast<int>(p.latencyMs * 1000)) + "us";
}

INSTANTIATE_TEST_SUITE_P(MMc, ErlangC,
                         ::testing::Values(ErlangCase{1, 0.5, 0.0, 3600}, ErlangCase{1, 0.5, 0.5, 3600},
                                           ErlangCase{1, 0.8, 0.0, 7200}, ErlangCase{1, 0.8, 0.5, 7200},
                                           ErlangCase{4, 0.5, 0.0, 600}, ErlangCase{4, 0.5, 0.5, 600},
                                           ErlangCase{4, 0.8, 0.0, 1200}, ErlangCase{4, 0.8, 0.5, 1200}),
                         erlangCaseName);

TEST(ErlangCNetwork, LatencyKeepsNoWorkerBusy) {
  // The same seed sends the same requests and draws the same service times in the same
  // order: the busy time is exactly the same, and every answer is exactly 2L later on average.
  const ErlangRun near = runErlang(1, 0.8, 0.0, 600);
  const ErlangRun far = runErlang(1, 0.8, 5.0, 600);
  EXPECT_EQ(far.busy, near.busy);
  EXPECT_EQ(far.answered, near.answered);
  EXPECT_NEAR(far.meanMs, near.meanMs + 10.0, 0.01);
}

}  // namespace
}  // namespace gwsim
