// SimTransport's network latency and faults in virtual time: a worker is busy for the service
// time only and every answer comes a round trip (2L) later; a latency fault delays the request
// before it reaches the instance without holding a worker; a reset answers before any worker;
// a capacity fault of 0 refuses arrivals. The same seed gives the same answers at the same times.
#include "sim/engine/sim_transport.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/core/manual_time.h"
#include "sim/scenario/scenario.h"

namespace gwsim {
namespace {

using gateway::TimePoint;
using gateway::UpstreamOutcome;
using gateway::UpstreamResult;

// One instance with one worker, a constant 100 ms service time and 5 ms of latency each way.
class SimTransportNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override { load(nlohmann::json::array()); }

  void load(const nlohmann::json& faults) {
    const nlohmann::json doc = {
        {"name", "t"},
        {"seed", 1},
        {"duration_s", 1},
        {"network_latency_ms", 5},
        {"gateway",
         {{"services", {{{"name", "svc"}, {"instances", {{{"id", "a"}, {"address", "10.0.0.1:80"}}}}}}},
          {"routes", {{{"name", "r"}, {"match", {{"prefix", "/"}}}, {"service", "svc"}}}}}},
        {"services",
         {{"svc", {{"model", {{"workers", 1}, {"queue", 10}, {"latency", {{"kind", "constant"}, {"ms", 100}}}}}}}}},
        {"clients",
         {{{"name", "unused"}, {"count", 1}, {"arrival", {{"process", "constant"}, {"rate", 1}}},
           {"requests", {{{"path", "/"}}}}}}},
        {"faults", faults}};
    auto loaded = loadScenarioJson(doc, ".");
    ASSERT_TRUE(loaded.ok()) << loaded.errors.text();
    transport_.reset();
    scenario_ = std::move(*loaded.scenario);
    transport_.emplace(*scenario_, gateway::Random(3));
    transport_->attach(clock_, scheduler_);
  }

  struct Answer {
    std::optional<UpstreamResult> result;
    TimePoint at = -1;
  };

  void send(Answer& answer, gateway::Duration deadlineAfter = gateway::seconds(10)) {
    transport_->send({"svc", "a", "10.0.0.1:80"}, gateway::Request{}, clock_.now() + deadlineAfter,
                     [this, &answer](UpstreamResult r) {
                       EXPECT_FALSE(answer.result.has_value()) << "answered twice";
                       answer.result = std::move(r);
                       answer.at = clock_.now();
                     });
  }

  const InstanceCounters& counters() const { return *transport_->instances().front().counters; }

  const TimePoint t0 = gateway::seconds(1);
  const gateway::Duration roundTrip = gateway::millis(10);
  gateway::ManualClock clock_{t0};
  gateway::ManualScheduler scheduler_{clock_};
  std::optional<Scenario> scenario_;
  std::optional<SimTransport> transport_;
};

TEST_F(SimTransportNetworkTest, TheWorkerFreesAfterTheServiceTimeAndTheAnswerComesARoundTripLater) {
  Answer first, second;
  send(first);
  send(second);  // queued behind the first: starts when the worker frees at 100 ms, not 110 ms
  scheduler_.runAll();
  ASSERT_TRUE(first.result && second.result);
  EXPECT_EQ(first.result->response.status, 200);
  EXPECT_EQ(first.at, t0 + gateway::millis(100) + roundTrip);
  EXPECT_EQ(second.result->response.status, 200);
  EXPECT_EQ(second.at, t0 + gateway::millis(200) + roundTrip);
  EXPECT_EQ(counters().busyTime, gateway::millis(200));
  EXPECT_EQ(counters().served, 2u);
}

TEST_F(SimTransportNetworkTest, AnAnswerThatTheRoundTripMakesLateTimesOut) {
  Answer late;
  send(late, gateway::millis(105));  // the work is done at 100 ms, the answer would arrive at 110
  scheduler_.runAll();
  ASSERT_TRUE(late.result);
  EXPECT_EQ(late.result->outcome, UpstreamOutcome::kTimeout);
  EXPECT_EQ(late.at, t0 + gateway::millis(105));
  EXPECT_EQ(counters().timedOut, 1u);
}

TEST_F(SimTransportNetworkTest, ALatencyFaultDelaysTheRequestWithoutHoldingTheWorker) {
  load({{{"kind", "latency"}, {"service", "svc"}, {"at_s", 0}, {"latency_ms", 50}}});
  Answer first, second;
  send(first);
  send(second);
  scheduler_.runAll();
  ASSERT_TRUE(first.result && second.result);
  // Both reach the instance at 50 ms; the worker is busy 50-150 and 150-250 ms.
  EXPECT_EQ(first.at, t0 + gateway::millis(150) + roundTrip);
  EXPECT_EQ(second.at, t0 + gateway::millis(250) + roundTrip);
  EXPECT_EQ(counters().busyTime, gateway::millis(200));
}

TEST_F(SimTransportNetworkTest, ARequestWhoseCallerGaveUpOnTheWayStillTakesAWorker) {
  load({{{"kind", "latency"}, {"service", "svc"}, {"at_s", 0}, {"latency_ms", 50}}});
  Answer gaveUp, next;
  send(gaveUp, gateway::millis(20));  // gives up before the request reaches the instance
  send(next);
  scheduler_.runAll();
  ASSERT_TRUE(gaveUp.result && next.result);
  EXPECT_EQ(gaveUp.result->outcome, UpstreamOutcome::kTimeout);
  EXPECT_EQ(gaveUp.at, t0 + gateway::millis(20));
  // The abandoned request still holds the worker 50-150 ms; the next one runs 150-250 ms.
  EXPECT_EQ(next.result->response.status, 200);
  EXPECT_EQ(next.at, t0 + gateway::millis(250) + roundTrip);
}

TEST_F(SimTransportNetworkTest, AResetAnswersAfterARoundTripWithoutAWorker) {
  load({{{"kind", "reset"}, {"service", "svc"}, {"at_s", 0}}});
  std::vector<Answer> answers(3);
  for (auto& a : answers) send(a);
  scheduler_.runAll();
  for (const auto& a : answers) {
    ASSERT_TRUE(a.result);
    EXPECT_EQ(a.result->outcome, UpstreamOutcome::kReset);
    EXPECT_EQ(a.at, t0 + roundTrip);
  }
  EXPECT_EQ(counters().resets, 3u);
  EXPECT_EQ(counters().busyTime, 0);
}

TEST_F(SimTransportNetworkTest, ARefusedConnectionAndAFullQueueTakeTheRoundTrip) {
  load({{{"kind", "down"}, {"service", "svc"}, {"at_s", 0}, {"for_s", 10}}});
  Answer refused;
  send(refused);
  scheduler_.runAll();
  ASSERT_TRUE(refused.result);
  EXPECT_EQ(refused.result->outcome, UpstreamOutcome::kConnectError);
  EXPECT_EQ(refused.at, t0 + roundTrip);

  load({{{"kind", "capacity"}, {"service", "svc"}, {"at_s", 0}, {"capacity", 0}}});
  Answer noWorkers;
  const TimePoint sentAt = clock_.now();
  send(noWorkers);
  scheduler_.runAll();
  ASSERT_TRUE(noWorkers.result);
  EXPECT_EQ(noWorkers.result->response.status, 503);
  EXPECT_EQ(noWorkers.at, sentAt + roundTrip);
  EXPECT_EQ(counters().rejected, 1u);
  EXPECT_EQ(counters().busyTime, 0);
}

}  // namespace
}  // namespace gwsim
