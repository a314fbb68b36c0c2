// Circuit breaker transitions in every mode, at literal timestamps: consecutive (gobreaker /
// KrakenD), failure_rate over count and time windows with minimum calls and slow calls
// (Resilience4j), and hystrix rolling buckets; HALF_OPEN success and failure; stale results;
// the O(1) windows; and the config loader's checks.
#include "libgateway/resilience/circuit_breaker.h"

#include <gtest/gtest.h>

#include "libgateway/config/config_loader.h"
#include "test_support.h"

namespace gateway {
namespace {

constexpr TimePoint T0 = 1'000'000;  // 1 s

// Runs one admitted call from `start` for `duration`; returns the transition it caused.
std::optional<BreakerTransition> call(CircuitBreaker& b, TimePoint start, bool failure, Duration duration = millis(10)) {
  std::optional<BreakerTransition> t;
  const BreakerPermit p = b.tryAcquire(start, &t);
  EXPECT_TRUE(p.admitted) << "at " << start;
  std::optional<BreakerTransition> r;
  b.onResult(p, failure, duration, start + duration, &r);
  return r ? r : t;
}

CircuitBreakerConfig consecutive(std::uint32_t maxErrors, Duration open, std::uint32_t halfOpen = 1, Duration interval = 0) {
  CircuitBreakerConfig c;
  c.mode = BreakerMode::kConsecutive;
  c.maxErrors = maxErrors;
  c.openDuration = open;
  c.halfOpenCalls = halfOpen;
  c.interval = interval;
  return c;
}

CircuitBreakerConfig failureRate(std::uint32_t window, std::uint32_t minimum, double threshold, std::uint32_t halfOpen = 3) {
  CircuitBreakerConfig c;
  c.mode = BreakerMode::kFailureRate;
  c.window = BreakerWindow::kCount;
  c.windowSize = window;
  c.minimumCalls = minimum;
  c.failureRateThreshold = threshold;
  c.slowCallRateThreshold = 100;
  c.slowCallDuration = seconds(60);
  c.openDuration = seconds(10);
  c.halfOpenCalls = halfOpen;
  return c;
}

TEST(ConsecutiveBreaker, OpensAfterMoreThanMaxErrors) {
  CircuitBreaker b(consecutive(2, seconds(10)), T0);
  EXPECT_FALSE(call(b, T0, true));
  EXPECT_FALSE(call(b, T0 + 1000, true));
  const auto t = call(b, T0 + 2000, true);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, BreakerState::kClosed);
  EXPECT_EQ(t->to, BreakerState::kOpen);
  EXPECT_EQ(t->at, T0 + 2000 + millis(10));
  EXPECT_EQ(t->reason, "3 consecutive failures (more than max_errors 2)");
  EXPECT_EQ(b.state(), BreakerState::kOpen);
}

TEST(ConsecutiveBreaker, ASuccessResetsTheCount) {
  CircuitBreaker b(consecutive(2, seconds(10)), T0);
  call(b, T0, true);
  call(b, T0 + 1, true);
  call(b, T0 + 2, false);
  call(b, T0 + 3, true);
  call(b, T0 + 4, true);
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  EXPECT_TRUE(call(b, T0 + 5, true));
}

TEST(ConsecutiveBreaker, IntervalClearsCounts) {
  CircuitBreaker b(consecutive(2, seconds(10), 1, seconds(60)), T0);
  call(b, T0, true);
  call(b, T0 + seconds(1), true);
  // A new interval begins at T0 + 60 s: the two failures are forgotten.
  EXPECT_FALSE(call(b, T0 + seconds(60), true));
  EXPECT_FALSE(call(b, T0 + seconds(61), true));
  EXPECT_TRUE(call(b, T0 + seconds(62), true));
}

TEST(ConsecutiveBreaker, OpenRejectsThenHalfOpenTrialSucceeds) {
  CircuitBreaker b(consecutive(0, seconds(10)), T0);
  ASSERT_TRUE(call(b, T0, true));  // more than 0 failures: the first opens it
  const TimePoint opened = T0 + millis(10);
  const BreakerPermit rejected = b.tryAcquire(opened + seconds(4));
  EXPECT_FALSE(rejected.admitted);
  EXPECT_EQ(rejected.retryAfter, seconds(6));
  EXPECT_FALSE(b.tryAcquire(opened + seconds(10) - 1).admitted);

  std::optional<BreakerTransition> t;
  const BreakerPermit trial = b.tryAcquire(opened + seconds(10), &t);
  ASSERT_TRUE(trial.admitted);
  EXPECT_TRUE(trial.trial);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, BreakerState::kOpen);
  EXPECT_EQ(t->to, BreakerState::kHalfOpen);
  EXPECT_EQ(t->at, opened + seconds(10));
  EXPECT_EQ(t->reason, "open for 10000 ms; admitting 1 trial call");
  // Only one trial at a time.
  const BreakerPermit second = b.tryAcquire(opened + seconds(10) + 1);
  EXPECT_FALSE(second.admitted);
  EXPECT_EQ(second.retryAfter, 0);

  std::optional<BreakerTransition> closed;
  b.onResult(trial, false, millis(5), opened + seconds(10) + millis(5), &closed);
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->to, BreakerState::kClosed);
  EXPECT_EQ(closed->reason, "1 trial call succeeded");
  EXPECT_EQ(b.history().size(), 3u);
  EXPECT_EQ(b.snapshot(opened + seconds(11)).rejected, 3u);
}

TEST(ConsecutiveBreaker, HalfOpenFailureReopensForAnotherFullPeriod) {
  CircuitBreaker b(consecutive(0, seconds(10), 2), T0);
  call(b, T0, true);
  const TimePoint half = T0 + millis(10) + seconds(10);
  const BreakerPermit a = b.tryAcquire(half);
  const BreakerPermit c = b.tryAcquire(half + 1);
  ASSERT_TRUE(a.admitted && c.admitted);
  EXPECT_FALSE(b.tryAcquire(half + 2).admitted);  // 2 trials
  std::optional<BreakerTransition> t;
  b.onResult(a, false, 1, half + 3, &t);
  EXPECT_FALSE(t);  // one success of the two needed
  b.onResult(c, true, 1, half + 4, &t);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, BreakerState::kHalfOpen);
  EXPECT_EQ(t->to, BreakerState::kOpen);
  EXPECT_EQ(t->reason, "a trial call failed");
  EXPECT_FALSE(b.tryAcquire(half + 4 + seconds(10) - 1).admitted);
  EXPECT_TRUE(b.tryAcquire(half + 4 + seconds(10)).admitted);
}

TEST(ConsecutiveBreaker, ResultsFromBeforeATransitionAreIgnored) {
  CircuitBreaker b(consecutive(0, seconds(10)), T0);
  const BreakerPermit slow = b.tryAcquire(T0);  // admitted while CLOSED
  call(b, T0 + 1, true);                         // opens
  b.onResult(slow, false, seconds(1), T0 + seconds(1));
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  // ...and a stale failure cannot reopen a breaker that has closed again.
  const TimePoint half = T0 + 1 + millis(10) + seconds(10);
  const BreakerPermit trial = b.tryAcquire(half);
  const BreakerPermit stale = trial;
  b.onResult(trial, false, 1, half + 1);
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  b.onResult(stale, true, 1, half + 2);
  EXPECT_EQ(b.state(), BreakerState::kClosed);
}

TEST(ConsecutiveBreaker, AbandonedTrialFreesItsSlot) {
  CircuitBreaker b(consecutive(0, seconds(1)), T0);
  call(b, T0, true);
  const TimePoint half = T0 + millis(10) + seconds(1);
  const BreakerPermit trial = b.tryAcquire(half);
  ASSERT_TRUE(trial.admitted);
  EXPECT_FALSE(b.tryAcquire(half + 1).admitted);
  b.abandon(trial);
  EXPECT_TRUE(b.tryAcquire(half + 2).admitted);
}

TEST(FailureRateBreaker, NothingIsJudgedBeforeMinimumCalls) {
  CircuitBreaker b(failureRate(10, 5, 50), T0);
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(call(b, T0 + i, true)) << i;  // 4 of 4 failed, but only 4 calls
  const auto t = call(b, T0 + 4, false);                                  // 4 of 5 = 80%
  ASSERT_TRUE(t);
  EXPECT_EQ(t->reason, "failure rate 80.0% >= 50% over 5 calls");
}

TEST(FailureRateBreaker, ThresholdIsInclusiveAndTheWindowSlides) {
  CircuitBreaker b(failureRate(4, 4, 50), T0);
  EXPECT_FALSE(call(b, T0 + 0, false));
  EXPECT_FALSE(call(b, T0 + 1, false));
  EXPECT_FALSE(call(b, T0 + 2, false));
  EXPECT_FALSE(call(b, T0 + 3, true));   // [S S S F] 25%
  EXPECT_FALSE(call(b, T0 + 4, false));  // [S S F S] 25%
  const auto t = call(b, T0 + 5, true);  // [S F S F] 50% >= 50%
  ASSERT_TRUE(t);
  EXPECT_EQ(t->reason, "failure rate 50.0% >= 50% over 4 calls");
}

TEST(FailureRateBreaker, SlowCallsOpenIt) {
  CircuitBreakerConfig c = failureRate(4, 4, 50);
  c.slowCallDuration = millis(100);
  c.slowCallRateThreshold = 75;
  CircuitBreaker b(c, T0);
  EXPECT_FALSE(call(b, T0, false, millis(150)));
  EXPECT_FALSE(call(b, T0 + seconds(1), false, millis(100)));  // exactly the threshold is not slow
  EXPECT_FALSE(call(b, T0 + seconds(2), false, millis(101)));
  EXPECT_EQ(b.snapshot(T0 + seconds(3)).slow, 2u);
  const auto t = call(b, T0 + seconds(3), false, seconds(2));  // 3 of 4 slow = 75%
  ASSERT_TRUE(t);
  EXPECT_EQ(t->reason, "slow-call rate 75.0% >= 75% (slower than 100 ms) over 4 calls");
}

TEST(FailureRateBreaker, HalfOpenJudgesTheTrialsOnceAllFinished) {
  CircuitBreaker b(failureRate(4, 4, 50, 3), T0);
  for (int i = 0; i < 4; ++i) call(b, T0 + i, true);
  ASSERT_EQ(b.state(), BreakerState::kOpen);
  const TimePoint half = T0 + 3 + millis(10) + seconds(10);
  std::optional<BreakerTransition> t;
  const BreakerPermit p1 = b.tryAcquire(half, &t);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->reason, "open for 10000 ms; admitting 3 trial calls");
  const BreakerPermit p2 = b.tryAcquire(half + 1);
  const BreakerPermit p3 = b.tryAcquire(half + 2);
  EXPECT_FALSE(b.tryAcquire(half + 3).admitted);
  std::optional<BreakerTransition> r;
  b.onResult(p1, true, 1, half + 10, &r);
  b.onResult(p2, false, 1, half + 11, &r);
  EXPECT_FALSE(r);  // 2 of 3 finished
  b.onResult(p3, false, 1, half + 12, &r);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->to, BreakerState::kClosed);
  EXPECT_EQ(r->reason, "trial failure rate 33.3% < 50% over 3 calls");
  // Closed again with an empty window: 3 failures are below minimum calls.
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(call(b, half + 100 + i, true));
}

TEST(FailureRateBreaker, HalfOpenTrialsFailingReopen) {
  CircuitBreaker b(failureRate(4, 4, 50, 3), T0);
  for (int i = 0; i < 4; ++i) call(b, T0 + i, true);
  const TimePoint half = T0 + 3 + millis(10) + seconds(10);
  const BreakerPermit p1 = b.tryAcquire(half);
  const BreakerPermit p2 = b.tryAcquire(half);
  const BreakerPermit p3 = b.tryAcquire(half);
  std::optional<BreakerTransition> r;
  b.onResult(p1, true, 1, half + 1, &r);
  b.onResult(p2, false, 1, half + 2, &r);
  b.onResult(p3, true, 1, half + 3, &r);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->to, BreakerState::kOpen);
  EXPECT_EQ(r->reason, "trial failure rate 66.7% >= 50% over 3 calls");
  EXPECT_EQ(r->at, half + 3);
}

TEST(FailureRateBreaker, TimeWindowForgetsOldBuckets) {
  CircuitBreakerConfig c = failureRate(0, 3, 50);
  c.window = BreakerWindow::kTime;
  c.windowSize = 5;  // 5 one-second buckets
  c.bucketWidth = seconds(1);
  CircuitBreaker b(c, 0);
  EXPECT_FALSE(call(b, millis(100), true, 0));
  EXPECT_FALSE(call(b, millis(900), true, 0));
  // At 5.2 s the bucket [0 s, 1 s) has left the window: one call in it, below the minimum.
  EXPECT_FALSE(call(b, millis(5200), true, 0));
  EXPECT_EQ(b.snapshot(millis(5200)).calls, 1u);
  EXPECT_FALSE(call(b, millis(5300), false, 0));
  const auto t = call(b, millis(6100), true, 0);  // 2 failures of 3 in [2 s, 7 s)
  ASSERT_TRUE(t);
  EXPECT_EQ(t->reason, "failure rate 66.7% >= 50% over 3 calls");
}

TEST(HystrixBreaker, VolumeThresholdThenWholePercent) {
  CircuitBreakerConfig c;
  c.mode = BreakerMode::kHystrix;
  c.window = BreakerWindow::kTime;
  c.windowSize = 10;
  c.bucketWidth = seconds(1);
  c.minimumCalls = 20;
  c.failureRateThreshold = 50;
  c.openDuration = seconds(5);
  c.halfOpenCalls = 1;
  CircuitBreaker b(c, 0);
  // 11 successes and 10 failures: 47.6% -> 47%, below 50%.
  for (int i = 0; i < 11; ++i) call(b, millis(100 * i), false, 0);
  for (int i = 0; i < 9; ++i) EXPECT_FALSE(call(b, millis(2000 + 100 * i), true, 0));
  EXPECT_FALSE(call(b, millis(3000), true, 0));
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  // One more failure: 11 of 22 = 50%.
  const auto t = call(b, millis(3100), true, 0);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->reason, "error rate 50% >= 50% over 22 requests in 10000 ms");
  // Sleep window 5 s, then a single trial.
  std::optional<BreakerTransition> half;
  const BreakerPermit trial = b.tryAcquire(millis(8100), &half);
  ASSERT_TRUE(trial.admitted);
  EXPECT_EQ(half->reason, "open for 5000 ms; admitting 1 trial call");
  EXPECT_FALSE(b.tryAcquire(millis(8101)).admitted);
  std::optional<BreakerTransition> closed;
  b.onResult(trial, false, 0, millis(8102), &closed);
  EXPECT_EQ(closed->to, BreakerState::kClosed);
}

TEST(HystrixBreaker, FewRequestsNeverTrip) {
  CircuitBreakerConfig c;
  c.mode = BreakerMode::kHystrix;
  c.window = BreakerWindow::kTime;
  c.windowSize = 10;
  c.bucketWidth = seconds(1);
  c.minimumCalls = 20;
  CircuitBreaker b(c, 0);
  // 19 failures per 10 s, forever: below the volume threshold, never judged.
  for (int i = 0; i < 200; ++i) EXPECT_FALSE(call(b, millis(530 * i), true, 0)) << i;
}

TEST(BreakerWindows, CountWindowEvictsInConstantTime) {
  CountWindow w(3);
  w.record(true, false);
  w.record(true, true);
  w.record(false, true);
  EXPECT_EQ(w.totals().calls, 3u);
  EXPECT_EQ(w.totals().failures, 2u);
  EXPECT_EQ(w.totals().slow, 2u);
  w.record(false, false);  // evicts (F, -)
  EXPECT_EQ(w.totals().calls, 3u);
  EXPECT_EQ(w.totals().failures, 1u);
  EXPECT_EQ(w.totals().slow, 2u);
}

TEST(BreakerWindows, TimeWindowAfterALongGap) {
  TimeWindow w(4, seconds(1));
  w.record(seconds(1), true, false);
  w.record(seconds(2), true, false);
  EXPECT_EQ(w.totals(seconds(4) + 999'999).calls, 2u);  // [1 s, 5 s)
  EXPECT_EQ(w.totals(seconds(5)).calls, 1u);
  EXPECT_EQ(w.totals(seconds(1000)).calls, 0u);
  w.record(seconds(1000), false, true);
  EXPECT_EQ(w.totals(seconds(1000)).slow, 1u);
}

std::string breakerErrors(const nlohmann::json& cb) {
  ConfigLoad load = loadConfigJson(
      {{"services", {{{"name", "s"}, {"instances", {"10.0.0.1:80"}}, {"circuit_breaker", cb}}}},
       {"routes", {{{"name", "r"}, {"match", {{"prefix", "/"}}}, {"service", "s"}}}}});
  return load.ok() ? std::string() : load.errors.text();
}

TEST(BreakerConfig, DefaultsPerMode) {
  auto load = loadConfigJson(nlohmann::json::parse(R"({
    "services": [
      {"name": "a", "instances": ["10.0.0.1:80"], "circuit_breaker": {"mode": "consecutive"}},
      {"name": "b", "instances": ["10.0.0.1:80"], "circuit_breaker": {"mode": "failure_rate"}},
      {"name": "c", "instances": ["10.0.0.1:80"], "circuit_breaker": {"mode": "hystrix"}},
      {"name": "d", "instances": ["10.0.0.1:80"], "circuit_breaker": {"mode": "failure_rate", "window": "time",
        "minimum_calls": 10, "failure_statuses": [500, 503, "4xx"]}}],
    "routes": [{"name": "r", "match": {"prefix": "/"}, "service": "a"}]})"));
  ASSERT_TRUE(load.ok()) << load.errors.text();
  const auto& a = *load.config->services[0].circuitBreaker;
  EXPECT_EQ(a.maxErrors, 5u);
  EXPECT_EQ(a.openDuration, seconds(60));
  EXPECT_EQ(a.halfOpenCalls, 1u);
  const auto& b = *load.config->services[1].circuitBreaker;
  EXPECT_EQ(b.window, BreakerWindow::kCount);
  EXPECT_EQ(b.windowSize, 100u);
  EXPECT_EQ(b.minimumCalls, 100u);
  EXPECT_EQ(b.halfOpenCalls, 10u);
  EXPECT_EQ(b.slowCallDuration, seconds(60));
  const auto& c = *load.config->services[2].circuitBreaker;
  EXPECT_EQ(c.window, BreakerWindow::kTime);
  EXPECT_EQ(c.windowSize, 10u);
  EXPECT_EQ(c.minimumCalls, 20u);
  EXPECT_EQ(c.openDuration, seconds(5));
  const auto& d = *load.config->services[3].circuitBreaker;
  EXPECT_EQ(d.windowSize, 60u);
  EXPECT_TRUE(d.failureStatuses.contains(503));
  EXPECT_TRUE(d.failureStatuses.contains(404));
  EXPECT_FALSE(d.failureStatuses.contains(502));
}

TEST(BreakerConfig, ErrorsNameTheField) {
  EXPECT_NE(breakerErrors({{"mode", "consecutive"}, {"window", "count"}}).find(
                "/services/0/circuit_breaker/window: only failure_rate breakers use window"),
            std::string::npos);
  EXPECT_NE(breakerErrors({{"mode", "hystrix"}, {"max_errors", 3}}).find(
                "/services/0/circuit_breaker/max_errors: only consecutive breakers use max_errors"),
            std::string::npos);
  EXPECT_NE(breakerErrors({{"mode", "failure_rate"}, {"window_size", 10}, {"minimum_calls", 20}}).find(
                "/services/0/circuit_breaker/minimum_calls: a count window of 10 calls can never hold 20 calls"),
            std::string::npos);
  EXPECT_NE(breakerErrors({{"mode", "sometimes"}}).find(
                "/services/0/circuit_breaker/mode: \"sometimes\" is not one of: consecutive, failure_rate, hystrix"),
            std::string::npos);
  EXPECT_NE(breakerErrors({{"mode", "failure_rate"}, {"failure_statuses", {500, "6xx"}}}).find(
                "/services/0/circuit_breaker/failure_statuses/1: expected a status 100-599 or a class like \"5xx\""),
            std::string::npos);
  EXPECT_NE(breakerErrors({{"mode", "failure_rate"}, {"failure_rate_threshold", 0}}).find(
                "/services/0/circuit_breaker/failure_rate_threshold: must be between"),
            std::string::npos);
  EXPECT_NE(breakerErrors({{"mode", "failure_rate"}, {"opn_ms", 5}}).find(
                "/services/0/circuit_breaker/opn_ms: unknown field (did you mean \"open_ms\"?)"),
            std::string::npos);
}

}  // namespace
}  // namespace gateway
