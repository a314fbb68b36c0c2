// Token bucket, GCRA and leaky bucket with literal timestamps (microseconds).
#include <gtest/gtest.h>

#include "libgateway/ratelimit/gcra.h"
#include "libgateway/ratelimit/leaky_bucket.h"
#include "libgateway/ratelimit/token_bucket.h"

namespace gateway {
namespace {

constexpr std::int64_t kTenPerSecond = 10'000;  // rateMilli: T = 100 ms

template <class Algorithm>
class BucketTest : public ::testing::Test {};
using Buckets = ::testing::Types<TokenBucket, Gcra>;
TYPED_TEST_SUITE(BucketTest, Buckets);

TYPED_TEST(BucketTest, StartsFullAndRefillsAtRate) {
  const TypeParam limiter(kTenPerSecond, 5);
  auto state = limiter.fresh(0);
  for (int i = 4; i >= 0; --i) {
    const LimitDecision d = limiter.acquire(state, 0);
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.remaining, i);
  }
  LimitDecision d = limiter.acquire(state, 0);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retryAfter, 100'000);
  EXPECT_EQ(d.remaining, 0);
  EXPECT_EQ(d.resetAfter, 500'000);
  EXPECT_FALSE(limiter.acquire(state, 99'999).allowed);
  EXPECT_EQ(limiter.acquire(state, 99'999).retryAfter, 1);
  d = limiter.acquire(state, 100'000);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  EXPECT_EQ(d.retryAfter, 0);
  // A long idle period refills to the burst, no further.
  d = limiter.acquire(state, 100'000'000);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 4);
  EXPECT_EQ(d.resetAfter, 100'000);
}

TYPED_TEST(BucketTest, CostAboveOneAndDeniedRequestsDoNotConsume) {
  const TypeParam limiter(kTenPerSecond, 5);
  auto state = limiter.fresh(0);
  EXPECT_TRUE(limiter.acquire(state, 0, 3).allowed);
  LimitDecision d = limiter.acquire(state, 0, 3);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.remaining, 2);
  EXPECT_EQ(d.retryAfter, 100'000);  // one more token
  d = limiter.acquire(state, 0, 2);    // the denied 3 took nothing
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  d = limiter.acquire(state, 1'000, 6);  // above the burst: never
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retryAfter, kNever);
  d = limiter.acquire(state, 1'000, 0);  // a query
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 0);
  EXPECT_EQ(d.resetAfter, 499'000);
}

TYPED_TEST(BucketTest, FractionalIntervalIsExact) {
  // 3 requests/s: T = 333333.33 us. Once empty, admissions land on ceil(k * T) (burst 2 so
  // that the fractions left over are not cut off by the capacity).
  const TypeParam limiter(3'000, 2);
  auto state = limiter.fresh(0);
  EXPECT_TRUE(limiter.acquire(state, 0, 2).allowed);
  for (TimePoint at : {333'334, 666'667, 1'000'000, 1'333'334}) {
    const LimitDecision early = limiter.acquire(state, at - 1);
    EXPECT_FALSE(early.allowed) << at;
    EXPECT_EQ(early.retryAfter, 1) << at;
    EXPECT_TRUE(limiter.acquire(state, at).allowed) << at;
  }
}

TYPED_TEST(BucketTest, RestingMeansFull) {
  const TypeParam limiter(kTenPerSecond, 2);
  auto state = limiter.fresh(0);
  EXPECT_TRUE(limiter.resting(state, 0));
  limiter.acquire(state, 0);
  EXPECT_FALSE(limiter.resting(state, 99'999));
  EXPECT_TRUE(limiter.resting(state, 100'000));
}

TEST(GcraTest, SameDecisionsAsTokenBucketOnALiteralTrace) {
  const TokenBucket bucket(2'500, 3);  // 2.5/s, T = 400 ms
  const Gcra gcra(2'500, 3);
  auto b = bucket.fresh(0);
  auto g = gcra.fresh(0);
  const std::pair<TimePoint, std::int64_t> trace[] = {{0, 1},       {0, 2},       {1, 1},       {399'999, 1},
                                                      {400'000, 1}, {900'000, 2}, {900'000, 2}, {5'000'000, 3}};
  for (const auto& [at, cost] : trace) EXPECT_EQ(bucket.acquire(b, at, cost), gcra.acquire(g, at, cost)) << at;
}

TEST(LeakyBucketTest, DelaysWhileTheQueueHasRoomThenRejects) {
  const LeakyBucket limiter(kTenPerSecond, 2);
  auto state = limiter.fresh(0);
  const Duration delays[] = {0, 100'000, 200'000};
  for (Duration expected : delays) {
    const LimitDecision d = limiter.acquire(state, 0);
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.delay, expected);
  }
  LimitDecision d = limiter.acquire(state, 0);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retryAfter, 100'000);
  EXPECT_EQ(d.remaining, 0);
  EXPECT_EQ(d.resetAfter, 300'000);
  EXPECT_FALSE(limiter.acquire(state, 99'999).allowed);
  d = limiter.acquire(state, 100'000);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.delay, 200'000);  // forwarded at 300 ms, one slot after the third
}

TEST(LeakyBucketTest, BurstZeroIsStrictSpacing) {
  const LeakyBucket limiter(kTenPerSecond, 0);
  auto state = limiter.fresh(0);
  EXPECT_TRUE(limiter.acquire(state, 0).allowed);
  const LimitDecision d = limiter.acquire(state, 50'000);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retryAfter, 50'000);
  const LimitDecision next = limiter.acquire(state, 100'000);
  EXPECT_TRUE(next.allowed);
  EXPECT_EQ(next.delay, 0);
}

TEST(LeakyBucketTest, CostTakesConsecutiveSlots) {
  const LeakyBucket limiter(kTenPerSecond, 3);  // 4 slots of horizon
  auto state = limiter.fresh(0);
  LimitDecision d = limiter.acquire(state, 0, 3);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.delay, 0);
  EXPECT_EQ(d.remaining, 1);
  d = limiter.acquire(state, 0, 2);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retryAfter, 100'000);
  d = limiter.acquire(state, 0, 1);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.delay, 300'000);
  EXPECT_EQ(limiter.acquire(state, 0, 5).retryAfter, kNever);
}

TEST(LeakyBucketTest, FractionalRateRoundsDelaysUp) {
  const LeakyBucket limiter(3'000, 5);  // T = 333333.33 us
  auto state = limiter.fresh(0);
  const Duration delays[] = {0, 333'334, 666'667, 1'000'000};
  for (Duration expected : delays) EXPECT_EQ(limiter.acquire(state, 0).delay, expected);
}

}  // namespace
}  // namespace gateway
