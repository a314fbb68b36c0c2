// LimiterStore::decide is the algorithm's own decision on the key's state: over seeded random
// traces on 40 keys (costs 0..3, queries included, some late timestamps, idle spells), every decision of
// the store equals the one of a plain per-key reference (state created fresh on the first
// counted use, queries on unknown keys answered from a fresh state and not kept), and the
// store's allowed/denied counts equal the reference's.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "libgateway/core/random.h"
#include "libgateway/ratelimit/gcra.h"
#include "libgateway/ratelimit/leaky_bucket.h"
#include "libgateway/ratelimit/limiter_store.h"
#include "libgateway/ratelimit/token_bucket.h"
#include "tests/unit/test_support.h"

namespace gateway {
namespace {

template <class Algorithm>
void expectSameDecisions(const LimiterSpec& spec, const Algorithm& reference, std::uint64_t seed) {
  std::string error;
  const auto store = makeLimiter(spec, {}, &error);
  ASSERT_NE(store, nullptr) << error;
  std::map<std::string, typename Algorithm::State> states;
  std::int64_t allowed = 0, denied = 0;
  Random rng(seed);
  TimePoint now = 1'000'000;
  const Duration spacing = ceilDiv(kSubUnitsPerRequest, spec.rateMilli);  // us per request
  for (int i = 0; i < 20'000; ++i) {
    // Each key sees about 1.5 times its rate, with an idle spell now and then.
    now += rng.uniform(500) == 0 ? 10 * spacing : static_cast<Duration>(rng.uniform(static_cast<std::uint64_t>(spacing) / 30 + 2));
    // One decision in 16 arrives with a clock up to 300 us behind (another thread's clock).
    const TimePoint at = rng.uniform(16) == 0 ? now - static_cast<Duration>(rng.uniform(300)) : now;
    const std::string key = "client-" + std::to_string(rng.uniform(40));
    const auto cost = static_cast<std::int64_t>(rng.uniform(4));

    LimitDecision expected;
    auto it = states.find(key);
    if (it == states.end() && cost == 0) {
      auto fresh = reference.fresh(at);
      expected = reference.acquire(fresh, at, 0);
    } else {
      if (it == states.end()) it = states.emplace(key, reference.fresh(at)).first;
      expected = reference.acquire(it->second, at, cost);
      if (cost > 0) ++(expected.allowed ? allowed : denied);
    }
    ASSERT_EQ(store->decide(key, at, cost), expected)
        << "decision " << i << ": key " << key << " at " << at << " cost " << cost;
  }
  const LimiterStoreStats st = store->stats();
  EXPECT_EQ(st.allowed, allowed);
  EXPECT_EQ(st.denied, denied);
  EXPECT_EQ(st.keys, static_cast<std::int64_t>(states.size()));
  EXPECT_GT(allowed, 1000) << "the trace should exercise both outcomes";
  EXPECT_GT(denied, 1000) << "the trace should exercise both outcomes";
}

// Rates whose sub-units per microsecond divide nothing evenly (7 req/s: 7000) or are a
// power of ten (1000 req/s), with bursts that are and are not exceeded by the traces.
TEST(LimiterStoreDecisionTest, TokenBucketDecisionsAreTheAlgorithms) {
  for (auto [rateMilli, burst] : {std::pair{7'000LL, 5LL}, std::pair{1'000'000LL, 20LL}, std::pair{333'333LL, 3LL}}) {
    expectSameDecisions(testing::rateSpec(LimiterAlgorithm::kTokenBucket, rateMilli, burst), TokenBucket(rateMilli, burst),
                        static_cast<std::uint64_t>(rateMilli));
  }
}

TEST(LimiterStoreDecisionTest, GcraDecisionsAreTheAlgorithms) {
  for (auto [rateMilli, burst] : {std::pair{7'000LL, 5LL}, std::pair{1'000'000LL, 20LL}, std::pair{333'333LL, 3LL}}) {
    expectSameDecisions(testing::rateSpec(LimiterAlgorithm::kGcra, rateMilli, burst), Gcra(rateMilli, burst),
                        static_cast<std::uint64_t>(rateMilli) + 1);
  }
}

TEST(LimiterStoreDecisionTest, LeakyBucketDecisionsAreTheAlgorithms) {
  for (auto [rateMilli, burst] : {std::pair{7'000LL, 5LL}, std::pair{1'000'000LL, 20LL}, std::pair{333'333LL, 0LL}}) {
    expectSameDecisions(testing::rateSpec(LimiterAlgorithm::kLeakyBucket, rateMilli, burst), LeakyBucket(rateMilli, burst),
                        static_cast<std::uint64_t>(rateMilli) + 2);
  }
}

}  // namespace
}  // namespace gateway
