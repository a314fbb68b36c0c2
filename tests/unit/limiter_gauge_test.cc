// The uniform read-out of a key's limiter state (limiter_gauge.h), with literal timestamps.
#include <gtest/gtest.h>

#include "libgateway/ratelimit/limiter_gauge.h"

namespace gateway {
namespace {

TEST(LimiterGaugeTest, TokenBucketShowsTokensRefilling) {
  const TokenBucket limiter(10'000, 5);  // 10/s, burst 5
  auto state = limiter.fresh(0);
  LimiterGauge g = gauge(limiter, state, 0);
  EXPECT_EQ(g.what, "tokens");
  EXPECT_TRUE(g.fullAdmits);
  EXPECT_DOUBLE_EQ(g.level, 5.0);
  EXPECT_DOUBLE_EQ(g.capacity, 5.0);
  EXPECT_EQ(g.remaining, 5);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(limiter.acquire(state, 0).allowed);
  EXPECT_DOUBLE_EQ(gauge(limiter, state, 0).level, 0.0);
  g = gauge(limiter, state, millis(250));
  EXPECT_DOUBLE_EQ(g.level, 2.5);
  EXPECT_EQ(g.remaining, 2);
  EXPECT_EQ(g.resetAfter, millis(250));
  EXPECT_DOUBLE_EQ(gauge(limiter, state, seconds(9)).level, 5.0);  // never above the burst
}

TEST(LimiterGaugeTest, GcraShowsTheTatAheadOfNow) {
  const Gcra limiter(10'000, 5);  // one request per 100 ms, burst 5
  auto state = limiter.fresh(0);
  EXPECT_DOUBLE_EQ(gauge(limiter, state, 0).level, 0.0);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(limiter.acquire(state, 0).allowed);
  LimiterGauge g = gauge(limiter, state, 0);
  EXPECT_EQ(g.what, "TAT ahead ms");
  EXPECT_FALSE(g.fullAdmits);
  EXPECT_DOUBLE_EQ(g.level, 500.0);
  EXPECT_DOUBLE_EQ(g.capacity, 500.0);
  EXPECT_EQ(g.remaining, 0);
  g = gauge(limiter, state, millis(250));
  EXPECT_DOUBLE_EQ(g.level, 250.0);
  // The same answer as the token bucket with the same rate and burst.
  const TokenBucket bucket(10'000, 5);
  auto tokens = bucket.fresh(0);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(bucket.acquire(tokens, 0).allowed);
  EXPECT_EQ(g.remaining, gauge(bucket, tokens, millis(250)).remaining);
  EXPECT_DOUBLE_EQ(gauge(limiter, state, seconds(2)).level, 0.0);
}

TEST(LimiterGaugeTest, LeakyBucketShowsTheQueueDraining) {
  const LeakyBucket limiter(10'000, 3);  // 10/s, 3 may wait
  auto state = limiter.fresh(0);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(limiter.acquire(state, 0).allowed);
  ASSERT_FALSE(limiter.acquire(state, 0).allowed);
  LimiterGauge g = gauge(limiter, state, 0);
  EXPECT_EQ(g.what, "queued");
  EXPECT_DOUBLE_EQ(g.level, 4.0);
  EXPECT_DOUBLE_EQ(g.capacity, 4.0);
  EXPECT_EQ(g.remaining, 0);
  g = gauge(limiter, state, millis(150));
  EXPECT_DOUBLE_EQ(g.level, 2.5);
  EXPECT_EQ(g.remaining, 1);
  EXPECT_EQ(g.resetAfter, millis(250));
}

TEST(LimiterGaugeTest, FixedWindowEmptiesAtTheBoundary) {
  const FixedWindow limiter(100, seconds(60));
  auto state = limiter.fresh(0);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(limiter.acquire(state, millis(59'900)).allowed);
  LimiterGauge g = gauge(limiter, state, millis(59'950));
  EXPECT_EQ(g.what, "in window");
  EXPECT_DOUBLE_EQ(g.level, 100.0);
  EXPECT_DOUBLE_EQ(g.capacity, 100.0);
  EXPECT_EQ(g.windowStart, 0);
  EXPECT_EQ(g.windowEnd, seconds(60));
  EXPECT_EQ(g.remaining, 0);
  g = gauge(limiter, state, seconds(60));
  EXPECT_DOUBLE_EQ(g.level, 0.0);  // the whole limit again, 100 ms later
  EXPECT_EQ(g.windowStart, seconds(60));
  EXPECT_EQ(g.remaining, 100);
}

TEST(LimiterGaugeTest, SlidingLogCountsTheLastWindowWithoutChangingTheState) {
  const SlidingLog limiter(100, seconds(60));
  auto state = limiter.fresh(0);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(limiter.acquire(state, seconds(10)).allowed);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(limiter.acquire(state, millis(59'900)).allowed);
  LimiterGauge g = gauge(limiter, state, seconds(60));
  EXPECT_EQ(g.what, "in log");
  EXPECT_DOUBLE_EQ(g.level, 100.0);
  EXPECT_DOUBLE_EQ(g.current, 2.0);  // two distinct admission times
  EXPECT_EQ(g.remaining, 0);
  EXPECT_EQ(g.windowStart, 0);
  // (10 s, 70 s]: the admissions at 10 s have left.
  g = gauge(limiter, state, seconds(70));
  EXPECT_DOUBLE_EQ(g.level, 50.0);
  EXPECT_EQ(g.remaining, 50);
  EXPECT_EQ(state.size(), 2u);  // the read-out expired nothing in the caller's state
}

TEST(LimiterGaugeTest, SlidingCounterWeighsThePreviousWindow) {
  const SlidingCounter limiter(100, seconds(60));
  auto state = limiter.fresh(0);
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(limiter.acquire(state, seconds(30)).allowed);
  LimiterGauge g = gauge(limiter, state, seconds(45));
  EXPECT_EQ(g.what, "estimate");
  EXPECT_DOUBLE_EQ(g.level, 60.0);
  EXPECT_DOUBLE_EQ(g.current, 60.0);
  g = gauge(limiter, state, seconds(90));  // half-way through the next window
  EXPECT_DOUBLE_EQ(g.previous, 60.0);
  EXPECT_DOUBLE_EQ(g.current, 0.0);
  EXPECT_DOUBLE_EQ(g.level, 30.0);
  EXPECT_EQ(g.remaining, 70);
  EXPECT_EQ(g.windowStart, seconds(60));
  EXPECT_EQ(g.windowEnd, seconds(120));
  EXPECT_DOUBLE_EQ(gauge(limiter, state, seconds(120)).level, 0.0);
}

TEST(LimiterGaugeTest, ConcurrencyShowsRequestsInFlight) {
  const ConcurrencyLimit limiter(3);
  auto state = limiter.fresh(0);
  ASSERT_TRUE(limiter.acquire(state, 0, 2).allowed);
  LimiterGauge g = gauge(limiter, state, 5);
  EXPECT_EQ(g.what, "in flight");
  EXPECT_DOUBLE_EQ(g.level, 2.0);
  EXPECT_DOUBLE_EQ(g.capacity, 3.0);
  EXPECT_EQ(g.remaining, 1);
  limiter.release(state, 9);
  EXPECT_DOUBLE_EQ(gauge(limiter, state, 10).level, 1.0);
}

}  // namespace
}  // namespace gateway
