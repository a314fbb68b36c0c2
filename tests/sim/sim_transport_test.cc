// SimTransport's deadline in virtual time: a call is answered kTimeout exactly at its deadline
// when the work (started at once or queued) would answer later or at the same instant, and
// with the work's status when it answers strictly earlier. A call whose answer comes first
// leaves no timer behind (SimTransport arms a deadline only when it may be needed).
#include "sim/engine/sim_transport.h"

#include <gtest/gtest.h>

#include <optional>

#include <nlohmann/json.hpp>

#include "libgateway/core/manual_time.h"
#include "sim/scenario/scenario.h"

namespace gwsim {
namespace {

using gateway::TimePoint;
using gateway::UpstreamOutcome;
using gateway::UpstreamResult;

// One instance with one worker and a constant 100 ms service time (no network latency).
class SimTransportDeadlineTest : public ::testing::Test {
 protected:
  void SetUp() override { load(10); }

  // (Re)builds the transport with a queue of `queue` places.
  void load(int queue) {
    const nlohmann::json doc = {
        {"name", "t"},
        {"seed", 1},
        {"duration_s", 1},
        {"gateway",
         {{"services", {{{"name", "svc"}, {"instances", {{{"id", "a"}, {"address", "10.0.0.1:80"}}}}}}},
          {"routes", {{{"name", "r"}, {"match", {{"prefix", "/"}}}, {"service", "svc"}}}}}},
        {"services",
         {{"svc", {{"model", {{"workers", 1}, {"queue", queue}, {"latency", {{"kind", "constant"}, {"ms", 100}}}}}}}}},
        {"clients",
         {{{"name", "unused"}, {"count", 1}, {"arrival", {{"process", "constant"}, {"rate", 1}}},
           {"requests", {{{"path", "/"}}}}}}}};
    auto load = loadScenarioJson(doc, ".");
    ASSERT_TRUE(load.ok()) << load.errors.text();
    transport_.reset();
    scenario_ = std::move(*load.scenario);
    transport_.emplace(*scenario_, gateway::Random(3));
    transport_->attach(clock_, scheduler_);
  }

  struct Call {
    std::optional<UpstreamResult> result;
    TimePoint at = -1;
  };

  // Sends one call with its deadline `after` from now; the result lands in `call`.
  void send(Call& call, gateway::Duration after) {
    transport_->send({"svc", "a", "10.0.0.1:80"}, gateway::Request{}, clock_.now() + after,
                     [this, &call](UpstreamResult r) {
                       EXPECT_FALSE(call.result.has_value()) << "answered twice";
                       call.result = std::move(r);
                       call.at = clock_.now();
                     });
  }

  const TimePoint t0 = gateway::seconds(1);
  gateway::ManualClock clock_{t0};
  gateway::ManualScheduler scheduler_{clock_};
  std::optional<Scenario> scenario_;
  std::optional<SimTransport> transport_;
};

TEST_F(SimTransportDeadlineTest, WorkThatAnswersFirstGetsItsStatusAndLeavesNoTimer) {
  Call c;
  send(c, gateway::millis(101));
  EXPECT_EQ(scheduler_.pending(), 1u);  // the work only: no deadline timer
  scheduler_.runAll();
  ASSERT_TRUE(c.result);
  EXPECT_EQ(c.result->outcome, UpstreamOutcome::kResponse);
  EXPECT_EQ(c.result->response.status, 200);
  EXPECT_EQ(c.at, t0 + gateway::millis(100));
}

TEST_F(SimTransportDeadlineTest, SlowerWorkTimesOutAtTheDeadline) {
  Call c;
  send(c, gateway::millis(40));
  EXPECT_EQ(scheduler_.pending(), 2u);  // the work and the deadline
  scheduler_.runAll();
  ASSERT_TRUE(c.result);
  EXPECT_EQ(c.result->outcome, UpstreamOutcome::kTimeout);
  EXPECT_EQ(c.at, t0 + gateway::millis(40));
}

TEST_F(SimTransportDeadlineTest, ATieGoesToTheDeadline) {
  Call c;
  send(c, gateway::millis(100));
  scheduler_.runAll();
  ASSERT_TRUE(c.result);
  EXPECT_EQ(c.result->outcome, UpstreamOutcome::kTimeout);
  EXPECT_EQ(c.at, t0 + gateway::millis(100));
}

TEST_F(SimTransportDeadlineTest, QueuedWorkTimesOutAtTheDeadlineAndLeavesTheQueue) {
  Call first, queued, third;
  send(first, gateway::seconds(1));          // takes the only worker until t0 + 100 ms
  send(queued, gateway::millis(150));        // would start at 100 ms and end at 200 ms
  send(third, gateway::seconds(1));          // queued behind it
  scheduler_.runAll();
  ASSERT_TRUE(first.result && queued.result && third.result);
  EXPECT_EQ(first.result->outcome, UpstreamOutcome::kResponse);
  EXPECT_EQ(first.at, t0 + gateway::millis(100));
  EXPECT_EQ(queued.result->outcome, UpstreamOutcome::kTimeout);
  EXPECT_EQ(queued.at, t0 + gateway::millis(150));
  // The timed-out call kept the worker busy (the server does not know the caller left) until
  // 200 ms; the third starts then and answers at 300 ms.
  EXPECT_EQ(third.result->outcome, UpstreamOutcome::kResponse);
  EXPECT_EQ(third.at, t0 + gateway::millis(300));
}

TEST_F(SimTransportDeadlineTest, ACallerThatRetriesAtOnceStillFindsTheTimedOutCallQueued) {
  // As when the gateway's own timer fired first: the caller hears of the timeout before the
  // queue lets the call go, so a retry sent at once to the same full instance is refused.
  load(1);
  Call first, queued, retry;
  send(first, gateway::seconds(1));  // the only worker, until 100 ms
  transport_->send({"svc", "a", "10.0.0.1:80"}, gateway::Request{}, t0 + gateway::millis(50),
                   [&](UpstreamResult r) {
                     queued.result = std::move(r);
                     queued.at = clock_.now();
                     send(retry, gateway::seconds(1));  // the queue's one place is still taken
                   });
  scheduler_.runAll();
  ASSERT_TRUE(queued.result && retry.result);
  EXPECT_EQ(queued.result->outcome, UpstreamOutcome::kTimeout);
  EXPECT_EQ(queued.at, t0 + gateway::millis(50));
  EXPECT_EQ(retry.result->response.status, 503);
  EXPECT_EQ(retry.result->response.headers.get("X-Overload"), "queue full");
  EXPECT_EQ(retry.at, t0 + gateway::millis(50));
}

}  // namespace
}  // namespace gwsim
