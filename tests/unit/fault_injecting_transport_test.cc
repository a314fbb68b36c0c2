// FaultInjectingTransport over a FakeTransport in frozen time: every rule kind, scoping by
// service, instance and time window, seeded probability, count limits, adding and clearing
// rules, answers never inline and exactly once (a delay racing the deadline), pass-through.
#include "libgateway/core/fault_injecting_transport.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_support.h"

namespace gateway {
namespace {

using testing::FakeTransport;

// What one send got back, and when; more than one entry is a broken contract.
struct Answers {
  std::vector<UpstreamResult> results;
  std::vector<TimePoint> at;
  bool inSend = true;
  bool once() const { return results.size() == 1; }
  UpstreamOutcome outcome() const { return results.at(0).outcome; }
};

class FaultTransportTest : public ::testing::Test {
 protected:
  // Sends one request; fails the test if `done` runs inside send.
  std::shared_ptr<Answers> send(std::string_view service, std::string_view instance, Duration timeout = seconds(1),
                                FaultInjectingTransport* via = nullptr) {
    auto answers = std::make_shared<Answers>();
    Request request = testing::makeRequest("GET", "/orders");
    (via ? *via : faults).send(Endpoint{service, instance, "10.0.0.1:80"}, std::move(request), clock.now() + timeout,
                               [answers, this](UpstreamResult r) {
                                 EXPECT_FALSE(answers->inSend) << "done called inline";
                                 answers->results.push_back(std::move(r));
                                 answers->at.push_back(clock.now());
                               });
    answers->inSend = false;
    return answers;
  }
  void runDue() { scheduler.runUntil(clock.now()); }

  const TimePoint t0 = seconds(1);
  ManualClock clock{t0};
  ManualScheduler scheduler{clock};
  FakeTransport inner;
  Random random{7};
  FaultInjectingTransport faults{inner, scheduler, clock, random};
};

TEST_F(FaultTransportTest, PassesThroughWithoutRules) {
  auto a = send("pay", "pay-1");
  ASSERT_EQ(inner.sends.size(), 1u);
  EXPECT_EQ(inner.sends[0].endpoint.service, "pay");
  EXPECT_EQ(inner.sends[0].endpoint.instance, "pay-1");
  EXPECT_EQ(inner.sends[0].request.target, "/orders");
  EXPECT_EQ(inner.sends[0].deadline, t0 + seconds(1));
  EXPECT_EQ(scheduler.pending(), 0u);  // nothing of its own in the way
  inner.respond(200, "ok");
  ASSERT_TRUE(a->once());
  EXPECT_EQ(a->results[0].response.body, "ok");
  EXPECT_EQ(faults.counters().calls, 1u);
  EXPECT_EQ(faults.counters().passedThrough, 1u);
  EXPECT_EQ(faults.counters().injectedTotal(), 0u);
}

TEST_F(FaultTransportTest, FailureKindsAnswerThroughTheSchedulerWithoutCallingInner) {
  const std::vector<std::pair<FaultRule, UpstreamOutcome>> cases = {
      {FaultRule::refuse("pay"), UpstreamOutcome::kConnectError},
      {FaultRule::reset("pay"), UpstreamOutcome::kReset},
      {FaultRule::protocolError("pay"), UpstreamOutcome::kProtocolError},
  };
  for (const auto& [rule, outcome] : cases) {
    SCOPED_TRACE(toString(rule.kind));
    faults.clear();
    faults.add(rule);
    auto a = send("pay", "pay-1");
    EXPECT_TRUE(a->results.empty());  // never inline
    EXPECT_EQ(scheduler.pending(), 1u);
    runDue();
    ASSERT_TRUE(a->once());
    EXPECT_EQ(a->outcome(), outcome);
    EXPECT_EQ(a->at[0], t0);  // at once
    EXPECT_EQ(a->results[0].detail, fmt::format("fault injected: {} (pay/pay-1)", toString(rule.kind)));
    EXPECT_EQ(faults.counters().of(rule.kind), 1u);
  }
  EXPECT_EQ(inner.total, 0u);
}

TEST_F(FaultTransportTest, AbortAnswersTheStatusWithAJsonBody) {
  faults.add(FaultRule::abort("pay", 418));
  auto a = send("pay", "pay-1");
  EXPECT_TRUE(a->results.empty());
  runDue();
  ASSERT_TRUE(a->once());
  ASSERT_EQ(a->outcome(), UpstreamOutcome::kResponse);
  const Response& r = a->results[0].response;
  EXPECT_EQ(r.status, 418);
  EXPECT_EQ(r.headers.get("content-type"), "application/json");
  const auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["error"]["status"], 418);
  EXPECT_EQ(body["error"]["code"], "fault_injected");
  EXPECT_EQ(inner.total, 0u);
  EXPECT_EQ(faults.counters().of(FaultKind::kAbort), 1u);
}

TEST_F(FaultTransportTest, HangTimesOutExactlyAtTheDeadline) {
  faults.add(FaultRule::hang("pay"));
  auto a = send("pay", "pay-1", millis(500));
  scheduler.runUntil(t0 + millis(500) - 1);
  EXPECT_TRUE(a->results.empty());
  scheduler.runUntil(t0 + millis(500));
  ASSERT_TRUE(a->once());
  EXPECT_EQ(a->outcome(), UpstreamOutcome::kTimeout);
  EXPECT_EQ(a->at[0], t0 + millis(500));
  EXPECT_EQ(inner.total, 0u);
}

TEST_F(FaultTransportTest, DelayPassesThroughAfterTheLatency) {
  faults.add(FaultRule::delay("pay", millis(100)));
  auto a = send("pay", "pay-1");
  scheduler.runUntil(t0 + millis(99));
  EXPECT_EQ(inner.total, 0u);
  scheduler.runUntil(t0 + millis(100));
  ASSERT_EQ(inner.sends.size(), 1u);
  EXPECT_EQ(inner.sends[0].endpoint.instance, "pay-1");  // kept alive past the original send
  EXPECT_EQ(inner.sends[0].request.target, "/orders");
  EXPECT_EQ(inner.sends[0].deadline, t0 + seconds(1));  // the caller's, not moved
  inner.respond(200, "slow ok");
  ASSERT_TRUE(a->once());
  EXPECT_EQ(a->results[0].response.body, "slow ok");
  EXPECT_EQ(scheduler.pending(), 0u);  // the deadline guard went with the answer
  scheduler.runAll();
  EXPECT_TRUE(a->once());
  EXPECT_EQ(faults.counters().of(FaultKind::kDelay), 1u);
  EXPECT_EQ(faults.counters().passedThrough, 0u);  // counted as the delay it is
}

TEST_F(FaultTransportTest, DelayPastTheDeadlineTimesOutWithoutCallingInner) {
  faults.add(FaultRule::delay("pay", seconds(2)));
  auto a = send("pay", "pay-1", seconds(1));
  scheduler.runAll();
  ASSERT_TRUE(a->once());
  EXPECT_EQ(a->outcome(), UpstreamOutcome::kTimeout);
  EXPECT_EQ(a->at[0], t0 + seconds(1));
  EXPECT_EQ(inner.total, 0u);
}

TEST_F(FaultTransportTest, DelayedCallRacingTheDeadlineIsAnsweredOnce) {
  faults.add(FaultRule::delay("pay", millis(100)));
  auto a = send("pay", "pay-1", millis(500));
  scheduler.runUntil(t0 + millis(100));
  ASSERT_EQ(inner.sends.size(), 1u);
  scheduler.runUntil(t0 + millis(500));  // the inner transport is late
  ASSERT_TRUE(a->once());
  EXPECT_EQ(a->outcome(), UpstreamOutcome::kTimeout);
  EXPECT_EQ(a->at[0], t0 + millis(500));
  inner.respond(200, "too late");  // dropped
  scheduler.runAll();
  EXPECT_TRUE(a->once());
  EXPECT_EQ(a->outcome(), UpstreamOutcome::kTimeout);
}

TEST_F(FaultTransportTest, LatencyDelaysAnInjectedFaultUnlessTheDeadlineComesFirst) {
  faults.add(FaultRule::reset("pay").onInstance("pay-1").after(millis(50)));
  faults.add(FaultRule::abort("pay", 503).onInstance("pay-2").after(seconds(5)));
  auto reset = send("pay", "pay-1");
  auto abort = send("pay", "pay-2");
  scheduler.runAll();
  ASSERT_TRUE(reset->once());
  EXPECT_EQ(reset->outcome(), UpstreamOutcome::kReset);
  EXPECT_EQ(reset->at[0], t0 + millis(50));
  ASSERT_TRUE(abort->once());
  EXPECT_EQ(abort->outcome(), UpstreamOutcome::kTimeout);
  EXPECT_EQ(abort->at[0], t0 + seconds(1));
}

TEST_F(FaultTransportTest, ScopedByServiceAndInstance) {
  faults.add(FaultRule::refuse("pay").onInstance("pay-2"));
  faults.add(FaultRule::abort("", 500).onInstance("shared-9"));  // any service
  auto other = send("pay", "pay-1");
  auto hit = send("pay", "pay-2");
  auto otherService = send("cart", "pay-2");
  auto anyService = send("cart", "shared-9");
  runDue();
  EXPECT_EQ(inner.total, 2u);
  ASSERT_TRUE(hit->once());
  EXPECT_EQ(hit->outcome(), UpstreamOutcome::kConnectError);
  ASSERT_TRUE(anyService->once());
  EXPECT_EQ(anyService->results[0].response.status, 500);
  EXPECT_TRUE(other->results.empty());  // passed through, waiting on the fake
  EXPECT_TRUE(otherService->results.empty());
  EXPECT_EQ(inner.sends[0].endpoint.instance, "pay-1");
  EXPECT_EQ(inner.sends[1].endpoint.service, "cart");
}

TEST_F(FaultTransportTest, ActiveOnlyInsideItsWindow) {
  faults.add(FaultRule::refuse("pay").during(t0 + seconds(1), t0 + seconds(2)));
  std::vector<bool> refused;
  for (const TimePoint at : {t0, t0 + seconds(1), t0 + seconds(2) - 1, t0 + seconds(2)}) {
    clock.set(at);
    const std::size_t before = inner.total;
    send("pay", "pay-1");
    refused.push_back(inner.total == before);
  }
  EXPECT_EQ(refused, (std::vector<bool>{false, true, true, false}));
}

TEST_F(FaultTransportTest, CountLimitCoversTheNextNCallsThenLaterRulesApply) {
  const FaultRuleId first = faults.add(FaultRule::abort("pay", 502).times(2));
  const FaultRuleId second = faults.add(FaultRule::reset("pay").times(1));
  std::vector<std::shared_ptr<Answers>> answers;
  for (int i = 0; i < 4; ++i) answers.push_back(send("pay", "pay-1"));
  runDue();
  EXPECT_EQ(answers[0]->results.at(0).response.status, 502);
  EXPECT_EQ(answers[1]->results.at(0).response.status, 502);
  EXPECT_EQ(answers[2]->outcome(), UpstreamOutcome::kReset);
  EXPECT_TRUE(answers[3]->results.empty());  // both used up: passed through
  EXPECT_EQ(inner.total, 1u);
  EXPECT_EQ(faults.fired(first), 2u);
  EXPECT_EQ(faults.fired(second), 1u);
  EXPECT_EQ(faults.ruleCount(), 2u);  // inert, not removed
}

TEST_F(FaultTransportTest, RulesCanBeAddedAndClearedAtAnyTime) {
  const FaultRuleId outage = faults.add(FaultRule::refuse("pay"));
  auto during = send("pay", "pay-1");
  EXPECT_TRUE(faults.remove(outage));  // the outage ends; the pending answer still comes
  EXPECT_FALSE(faults.remove(outage));
  EXPECT_EQ(faults.fired(outage), 0u);
  auto after = send("pay", "pay-1");
  runDue();
  ASSERT_TRUE(during->once());
  EXPECT_EQ(during->outcome(), UpstreamOutcome::kConnectError);
  EXPECT_EQ(inner.total, 1u);

  faults.add(FaultRule::hang("pay"));
  faults.add(FaultRule::reset("cart"));
  EXPECT_EQ(faults.ruleCount(), 2u);
  faults.clear();
  EXPECT_EQ(faults.ruleCount(), 0u);
  send("pay", "pay-1");
  send("cart", "cart-1");
  EXPECT_EQ(inner.total, 3u);
}

TEST_F(FaultTransportTest, ProbabilityInjectsRoughlyThatShareOfCalls) {
  faults.add(FaultRule::refuse("pay").withProbability(0.3));
  constexpr int kCalls = 10000;
  for (int i = 0; i < kCalls; ++i) send("pay", "pay-1");
  const auto injected = faults.counters().of(FaultKind::kRefuse);
  EXPECT_GT(injected, 2700u);  // 3000 expected, sd ~46
  EXPECT_LT(injected, 3300u);
  EXPECT_EQ(injected + inner.total, static_cast<std::uint64_t>(kCalls));
}

TEST_F(FaultTransportTest, TheSameSeedInjectsIntoTheSameCalls) {
  auto pattern = [this](std::uint64_t seed) {
    FakeTransport fake;
    Random r(seed);
    FaultInjectingTransport t(fake, scheduler, clock, r);
    t.add(FaultRule::reset("pay").withProbability(0.5));
    std::vector<bool> hits;
    for (int i = 0; i < 200; ++i) {
      const std::size_t before = fake.total;
      send("pay", "pay-1", seconds(1), &t);
      hits.push_back(fake.total == before);
    }
    scheduler.runAll();  // deliver while `fake` is alive
    return hits;
  };
  EXPECT_EQ(pattern(11), pattern(11));
  EXPECT_NE(pattern(11), pattern(12));
}

TEST_F(FaultTransportTest, OnlyAMatchingRuleBelowProbabilityOneDraws) {
  faults.add(FaultRule::refuse("cart").withProbability(0.5));     // other service: no draw
  faults.add(FaultRule::refuse("pay").withProbability(0.0));      // never, no draw
  faults.add(FaultRule::abort("pay", 503).withProbability(1.0));  // always, no draw
  for (int i = 0; i < 10; ++i) send("pay", "pay-1");
  EXPECT_EQ(faults.counters().of(FaultKind::kAbort), 10u);
  Random fresh(7);
  EXPECT_EQ(random.next(), fresh.next());  // the Random has not moved
}

TEST_F(FaultTransportTest, CountersAddUp) {
  faults.add(FaultRule::refuse("pay").onInstance("pay-1"));
  faults.add(FaultRule::delay("pay", millis(10)).onInstance("pay-2"));
  for (int i = 0; i < 3; ++i) {
    send("pay", "pay-1");
    send("pay", "pay-2");
    send("pay", "pay-3");
  }
  const FaultCounters& c = faults.counters();
  EXPECT_EQ(c.calls, 9u);
  EXPECT_EQ(c.passedThrough, 3u);
  EXPECT_EQ(c.of(FaultKind::kRefuse), 3u);
  EXPECT_EQ(c.of(FaultKind::kDelay), 3u);
  EXPECT_EQ(c.calls, c.passedThrough + c.injectedTotal());
  faults.resetCounters();
  EXPECT_EQ(faults.counters().calls, 0u);
}

TEST_F(FaultTransportTest, TimesOutAtDeadlineIsTheInnerTransports) {
  EXPECT_FALSE(faults.timesOutAtDeadline());
  inner.answersAtDeadline = true;
  EXPECT_TRUE(faults.timesOutAtDeadline());
}

TEST_F(FaultTransportTest, PendingCallsOutliveTheWrapper) {
  auto wrapper = std::make_unique<FaultInjectingTransport>(inner, scheduler, clock, random);
  wrapper->add(FaultRule::delay("pay", millis(100)).onInstance("pay-1"));
  wrapper->add(FaultRule::refuse("pay").onInstance("pay-2"));
  auto delayed = send("pay", "pay-1", seconds(1), wrapper.get());
  auto refused = send("pay", "pay-2", seconds(1), wrapper.get());
  wrapper.reset();
  scheduler.runUntil(t0 + millis(100));
  ASSERT_TRUE(refused->once());
  ASSERT_EQ(inner.sends.size(), 1u);
  inner.respond(204);
  ASSERT_TRUE(delayed->once());
  EXPECT_EQ(delayed->results[0].response.status, 204);
}

}  // namespace
}  // namespace gateway
