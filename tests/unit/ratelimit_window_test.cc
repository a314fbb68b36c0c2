// Fixed window, sliding log, sliding counter and concurrency with literal timestamps.
#include <gtest/gtest.h>

#include "libgateway/ratelimit/concurrency_limit.h"
#include "libgateway/ratelimit/fixed_window.h"
#include "libgateway/ratelimit/sliding_counter.h"
#include "libgateway/ratelimit/sliding_log.h"

namespace gateway {
namespace {

TEST(FixedWindowTest, CountsPerAlignedWindow) {
  const FixedWindow limiter(3, 1'000);
  auto state = limiter.fresh(0);
  for (TimePoint at : {0, 1, 2}) EXPECT_TRUE(limiter.acquire(state, at).allowed);
  LimitDecision d = limiter.acquire(state, 3);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retryAfter, 997);
  EXPECT_EQ(d.resetAfter, 997);
  EXPECT_EQ(limiter.acquire(state, 999).retryAfter, 1);
  d = limiter.acquire(state, 1'000);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 2);
  EXPECT_EQ(d.resetAfter, 1'000);
}

TEST(FixedWindowTest, AdmitsTwiceTheLimitAcrossABoundary) {
  const FixedWindow limiter(3, 1'000);
  auto state = limiter.fresh(0);
  int admitted = 0;
  for (TimePoint at = 997; at <= 1'002; ++at) admitted += limiter.acquire(state, at).allowed;
  EXPECT_EQ(admitted, 6);  // 6 in 6 microseconds
}

TEST(FixedWindowTest, CostAndDenialsDoNotConsume) {
  const FixedWindow limiter(5, 1'000);
  auto state = limiter.fresh(2'000);
  EXPECT_TRUE(limiter.acquire(state, 2'100, 4).allowed);
  EXPECT_FALSE(limiter.acquire(state, 2'200, 2).allowed);
  const LimitDecision d = limiter.acquire(state, 2'300, 1);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  EXPECT_EQ(limiter.acquire(state, 2'300, 6).retryAfter, kNever);
  EXPECT_FALSE(limiter.resting(state, 2'999));
  EXPECT_TRUE(limiter.resting(state, 3'000));
}

TEST(SlidingLogTest, ExactWindowOfAdmissions) {
  const SlidingLog limiter(3, 1'000);
  auto state = limiter.fresh(0);
  for (TimePoint at : {0, 10, 20}) EXPECT_TRUE(limiter.acquire(state, at).allowed);
  LimitDecision d = limiter.acquire(state, 500);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retryAfter, 500);  // t=0 leaves (now - window, now] at 1000
  EXPECT_EQ(d.resetAfter, 520);
  EXPECT_FALSE(limiter.acquire(state, 999).allowed);
  d = limiter.acquire(state, 1'000);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  // Cost 2 must wait for two admissions (10 and 20) to leave.
  d = limiter.acquire(state, 1'005, 2);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retryAfter, 1'020 - 1'005);
  EXPECT_EQ(limiter.acquire(state, 1'005, 4).retryAfter, kNever);
}

TEST(SlidingLogTest, MergesSameTimeAdmissionsAndFreesMemory) {
  const SlidingLog limiter(100, 1'000);
  auto state = limiter.fresh(0);
  for (int i = 0; i < 50; ++i) limiter.acquire(state, 7);
  EXPECT_EQ(state.size(), 1u);
  EXPECT_EQ(state.total(), 50);
  for (TimePoint at = 8; at < 58; ++at) limiter.acquire(state, at);
  EXPECT_EQ(state.size(), 51u);
  EXPECT_GT(state.heapBytes(), 0);
  EXPECT_TRUE(limiter.acquire(state, 5'000).allowed);
  EXPECT_EQ(state.size(), 1u);
  EXPECT_LE(state.heapBytes(), 4 * 16);
}

TEST(SlidingCounterTest, WeightsThePreviousWindow) {
  const SlidingCounter limiter(10, 1'000);
  auto state = limiter.fresh(0);
  EXPECT_TRUE(limiter.acquire(state, 100, 10).allowed);
  LimitDecision d = limiter.acquire(state, 200);
  EXPECT_FALSE(d.allowed);
  // Next window: 10 * (1000 - e) / 1000 + 1 <= 10 from e = 100.
  EXPECT_EQ(d.retryAfter, 900);
  EXPECT_FALSE(limiter.acquire(state, 1'099).allowed);
  d = limiter.acquire(state, 1'100);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  EXPECT_EQ(d.resetAfter, 2'000 + 1'000 - 1'100);
  // Within the window: 10 * (1000 - e) + 2 * 1000 <= 10 * 1000 from e = 200.
  d = limiter.acquire(state, 1'100);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retryAfter, 100);
  EXPECT_FALSE(limiter.acquire(state, 1'199).allowed);
  EXPECT_TRUE(limiter.acquire(state, 1'200).allowed);
}

TEST(SlidingCounterTest, ForgetsAfterTwoWindows) {
  const SlidingCounter limiter(4, 1'000);
  auto state = limiter.fresh(0);
  EXPECT_TRUE(limiter.acquire(state, 0, 4).allowed);
  EXPECT_FALSE(limiter.resting(state, 1'999));
  EXPECT_TRUE(limiter.resting(state, 2'000));
  const LimitDecision d = limiter.acquire(state, 2'000, 4);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(limiter.acquire(state, 2'000, 5).retryAfter, kNever);
}

TEST(ConcurrencyLimitTest, AcquireAndRelease) {
  const ConcurrencyLimit limiter(2);
  auto state = limiter.fresh(0);
  EXPECT_TRUE(limiter.acquire(state, 0).allowed);
  LimitDecision d = limiter.acquire(state, 0);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  d = limiter.acquire(state, 0);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retryAfter, kNever);
  EXPECT_FALSE(limiter.resting(state, 0));
  limiter.release(state, 5);
  EXPECT_TRUE(limiter.acquire(state, 5).allowed);
  EXPECT_FALSE(limiter.acquire(state, 5, 1).allowed);
  limiter.release(state, 6, 2);
  limiter.release(state, 6, 2);  // a stray release is ignored
  EXPECT_EQ(state.inFlight, 0);
  EXPECT_TRUE(limiter.acquire(state, 7, 2).allowed);
  EXPECT_EQ(limiter.acquire(state, 7, 3).retryAfter, kNever);
}

}  // namespace
}  // namespace gateway
