// LimiterStore: keys, eviction order and the maxKeys bound, memory per key, stats, and
// threads racing on one key (fixed logical time, bounded loops: no sleeps).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "libgateway/ratelimit/limiter_store.h"
#include "libgateway/ratelimit/sharded_limiter_store.h"
#include "libgateway/ratelimit/token_bucket.h"

namespace gateway {
namespace {

LimiterSpec bucketSpec(std::int64_t ratePerSecond, std::int64_t burst) {
  LimiterSpec spec;
  spec.algorithm = LimiterAlgorithm::kTokenBucket;
  spec.rateMilli = ratePerSecond * 1000;
  spec.burst = burst;
  return spec;
}

LimiterSpec limitSpec(LimiterAlgorithm algorithm, std::int64_t limit, Duration window = 0) {
  LimiterSpec spec;
  spec.algorithm = algorithm;
  spec.limit = limit;
  spec.window = window;
  return spec;
}

std::string key(std::string_view prefix, int i) {
  std::string k(prefix);
  k += std::to_string(i);
  return k;
}

std::unique_ptr<LimiterStore> mustMake(const LimiterSpec& spec, LimiterStoreOptions options = {}) {
  std::string error;
  auto store = makeLimiter(spec, options, &error);
  EXPECT_NE(store, nullptr) << error;
  return store;
}

TEST(LimiterStoreTest, KeysAreIndependent) {
  auto store = mustMake(bucketSpec(1, 2));
  EXPECT_TRUE(store->decide("alice", 0).allowed);
  EXPECT_TRUE(store->decide("alice", 0).allowed);
  EXPECT_FALSE(store->decide("alice", 0).allowed);
  EXPECT_TRUE(store->decide("bob", 0).allowed);
  const LimitDecision d = store->decide("alice", 0);
  EXPECT_EQ(d.retryAfter, seconds(1));
  const LimiterStoreStats st = store->stats();
  EXPECT_EQ(st.keys, 2);
  EXPECT_EQ(st.allowed, 3);
  EXPECT_EQ(st.denied, 2);
}

TEST(LimiterStoreTest, QueryDoesNotCreateTheKey) {
  auto store = mustMake(bucketSpec(1, 4));
  const LimitDecision d = store->decide("carol", 0, 0);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.remaining, 4);
  EXPECT_EQ(store->stats().keys, 0);
}

TEST(LimiterStoreTest, InvalidSpecIsAnErrorValue) {
  std::string error;
  EXPECT_EQ(makeLimiter(bucketSpec(0, 5), {}, &error), nullptr);
  EXPECT_NE(error.find("rate"), std::string::npos) << error;
  EXPECT_EQ(makeLimiter(limitSpec(LimiterAlgorithm::kFixedWindow, 10, 0), {}, &error), nullptr);
  EXPECT_NE(error.find("window"), std::string::npos) << error;
  EXPECT_EQ(makeLimiter(limitSpec(LimiterAlgorithm::kConcurrency, 0), {}, &error), nullptr);
  EXPECT_NE(error.find("limit"), std::string::npos) << error;
}

TEST(LimiterStoreTest, NeverHoldsMoreThanMaxKeys) {
  LimiterStoreOptions options;
  options.maxKeys = 1'000;
  options.idleTimeout = seconds(3600);
  auto store = mustMake(bucketSpec(1, 5), options);
  for (int i = 0; i < 20'000; ++i) {
    store->decide(key("client-", i), i);
    if (i % 997 == 0) {
      ASSERT_LE(store->stats().keys, 1'000);
    }
  }
  const LimiterStoreStats st = store->stats();
  EXPECT_LE(st.keys, 1'000);
  EXPECT_GT(st.keys, 900);
  EXPECT_EQ(st.keys + st.evictedIdle + st.evictedActive, 20'000);
  EXPECT_EQ(st.overflowDenied, 0);
}

TEST(LimiterStoreTest, EvictsIdleKeysFirstThenLeastRecentlyUsed) {
  LimiterStoreOptions options;
  options.maxKeys = 8;  // one shard of 8, evicting one key at a time
  options.idleTimeout = 400'000;
  auto store = mustMake(bucketSpec(1, 10), options);
  for (int i = 0; i < 8; ++i) store->decide(key("k", i), i);  // nine tokens left each
  for (int i = 1; i < 8; ++i) store->decide(key("k", i), 300'000 + i);
  // k0 has been idle for 500 ms (> 400 ms); the others are recent and not back to full.
  store->decide("new", 500'000);
  LimiterStoreStats st = store->stats();
  EXPECT_EQ(st.evictedIdle, 1);
  EXPECT_EQ(st.evictedActive, 0);
  EXPECT_EQ(store->decide("k1", 500'001, 0).remaining, 8);   // still tracked
  EXPECT_EQ(store->decide("k0", 500'001, 0).remaining, 10);  // forgotten: fresh
  // Nothing idle now: the least recently used (k1, last seen 300'001) goes.
  store->decide("newer", 500'002);
  st = store->stats();
  EXPECT_EQ(st.evictedActive, 1);
  EXPECT_EQ(store->decide("k1", 500'003, 0).remaining, 10);
  EXPECT_EQ(store->decide("k2", 500'003, 0).remaining, 8);
  EXPECT_EQ(st.keys, 8);
}

TEST(LimiterStoreTest, SweepDropsKeysBackToFresh) {
  auto store = mustMake(bucketSpec(10, 1));
  for (int i = 0; i < 100; ++i) store->decide(key("k", i), 0);
  EXPECT_EQ(store->sweep(99'999), 0);
  EXPECT_EQ(store->sweep(100'000), 100);  // every bucket has refilled
  EXPECT_EQ(store->stats().keys, 0);
}

TEST(LimiterStoreTest, ConcurrencyKeysInFlightAreNeverEvicted) {
  LimiterStoreOptions options;
  options.maxKeys = 2;
  auto store = mustMake(limitSpec(LimiterAlgorithm::kConcurrency, 1), options);
  EXPECT_TRUE(store->decide("a", 0).allowed);
  EXPECT_TRUE(store->decide("b", 0).allowed);
  LimitDecision d = store->decide("c", 1);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.retryAfter, kNever);
  EXPECT_EQ(store->stats().overflowDenied, 1);
  store->release("a", 2);
  EXPECT_TRUE(store->decide("c", 3).allowed);
  EXPECT_FALSE(store->decide("b", 3).allowed);  // b kept its in-flight request
}

TEST(LimiterStoreTest, BytesPerKeyOfCounterStyleAlgorithms) {
  const LimiterSpec specs[] = {bucketSpec(10, 5),
                               [] { auto s = bucketSpec(10, 5); s.algorithm = LimiterAlgorithm::kGcra; return s; }(),
                               [] { auto s = bucketSpec(10, 5); s.algorithm = LimiterAlgorithm::kLeakyBucket; return s; }(),
                               limitSpec(LimiterAlgorithm::kFixedWindow, 10, 1'000),
                               limitSpec(LimiterAlgorithm::kSlidingCounter, 10, 1'000),
                               limitSpec(LimiterAlgorithm::kConcurrency, 10)};
  for (const LimiterSpec& spec : specs) {
    auto store = mustMake(spec);
    EXPECT_LE(store->bytesPerKey(), 64) << toString(spec.algorithm);
  }
  static_assert(ShardedLimiterStore<TokenBucket>::slotBytes() == 32);
  auto log = mustMake(limitSpec(LimiterAlgorithm::kSlidingLog, 100, seconds(1)));
  for (int i = 0; i < 100; ++i) log->decide("k", i);
  EXPECT_GE(log->bytesPerKey(), 64 + 100 * 16);
}

TEST(LimiterStoreTest, DistinctKeysDoNotCollide) {
  std::set<std::uint64_t> hashes;
  char address[32];
  for (int i = 0; i < 200'000; ++i) {
    const int n = std::snprintf(address, sizeof address, "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
    hashes.insert(hashLimiterKey(std::string_view(address, static_cast<std::size_t>(n))));
  }
  EXPECT_EQ(hashes.size(), 200'000u);
  EXPECT_NE(hashLimiterKey(""), hashLimiterKey(std::string_view("\0", 1)));
  EXPECT_NE(hashLimiterKey("consumer-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"), hashLimiterKey("consumer-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2"));
}

// Threads race on one key at one logical time: exactly the quota passes, never more.
void hammer(LimiterStore& store, int threads, int perThread, std::atomic<std::int64_t>& allowed) {
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      std::int64_t mine = 0;
      for (int i = 0; i < perThread; ++i) mine += store.decide("hot", 1'000).allowed;
      allowed += mine;
    });
  }
  for (auto& w : workers) w.join();
}

TEST(LimiterStoreTest, ThreadsOnOneKeyNeverOvershoot) {
  const LimiterSpec specs[] = {bucketSpec(1, 1'000),
                               [] { auto s = bucketSpec(1, 1'000); s.algorithm = LimiterAlgorithm::kGcra; return s; }(),
                               limitSpec(LimiterAlgorithm::kFixedWindow, 1'000, seconds(60)),
                               limitSpec(LimiterAlgorithm::kSlidingLog, 1'000, seconds(60)),
                               limitSpec(LimiterAlgorithm::kSlidingCounter, 1'000, seconds(60)),
                               limitSpec(LimiterAlgorithm::kConcurrency, 1'000)};
  for (const LimiterSpec& spec : specs) {
    auto store = mustMake(spec);
    std::atomic<std::int64_t> allowed{0};
    hammer(*store, 4, 5'000, allowed);
    EXPECT_EQ(allowed.load(), 1'000) << toString(spec.algorithm);
    EXPECT_EQ(store->stats().allowed + store->stats().denied, 20'000);
  }
}

TEST(LimiterStoreTest, ConcurrencyHeldNeverExceedsTheLimitUnderRace) {
  auto store = mustMake(limitSpec(LimiterAlgorithm::kConcurrency, 3));
  std::atomic<int> held{0};
  std::atomic<int> worst{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < 20'000; ++i) {
        if (!store->decide("hot", i).allowed) continue;
        const int now = ++held;
        int seen = worst.load();
        while (now > seen && !worst.compare_exchange_weak(seen, now)) {
        }
        --held;
        store->release("hot", i);
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_LE(worst.load(), 3);
  EXPECT_GE(worst.load(), 1);
  EXPECT_EQ(store->decide("hot", 0, 0).remaining, 3);
}

}  // namespace
}  // namespace gateway
