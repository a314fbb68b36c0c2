// Rate-limit decisions: one algorithm object on one state (the floor), LimiterStore on one hot
// key, on 1M distinct keys, and with two threads. Counters report bytes per key.
// bench/ratelimit_vs_go.sh runs BM_StoreHotKey/token_bucket against Go's x/time/rate AllowN
// at -cpu 1, and its threads:2 run against Go's RunParallel at -cpu 2.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "libgateway/core/random.h"
#include "libgateway/ratelimit/concurrency_limit.h"
#include "libgateway/ratelimit/fixed_window.h"
#include "libgateway/ratelimit/gcra.h"
#include "libgateway/ratelimit/leaky_bucket.h"
#include "libgateway/ratelimit/limiter_store.h"
#include "libgateway/ratelimit/sliding_counter.h"
#include "libgateway/ratelimit/sliding_log.h"
#include "libgateway/ratelimit/token_bucket.h"

namespace {

using namespace gateway;

// A gateway is multi-threaded, and glibc takes cheaper paths for locks until a process has
// started a second thread: start one before any benchmark, so that every case pays the
// locking cost it would pay in gatewayd (std::mutex lock+unlock: ~3 ns before, ~15 ns after).
const bool kMultiThreaded = [] {
  std::thread([] {}).join();
  return true;
}();

// 1e6 requests/s with a burst of 1000 and one request per simulated microsecond: the hot key
// is mostly admitted, as in Go's benchmark; window algorithms get an equivalent quota.
LimiterSpec specFor(LimiterAlgorithm algorithm) {
  LimiterSpec spec;
  spec.algorithm = algorithm;
  spec.rateMilli = 1'000'000'000;
  spec.burst = 1'000;
  spec.limit = algorithm == LimiterAlgorithm::kSlidingLog ? 1'000 : 1'000'000;
  spec.window = algorithm == LimiterAlgorithm::kSlidingLog ? millis(1) : seconds(1);
  return spec;
}

template <class Algorithm>
void BM_Algorithm(benchmark::State& state, Algorithm limiter) {
  auto st = limiter.fresh(0);
  TimePoint now = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(limiter.acquire(st, ++now, 1));
  }
}
BENCHMARK_CAPTURE(BM_Algorithm, token_bucket, TokenBucket(1'000'000'000, 1'000));
BENCHMARK_CAPTURE(BM_Algorithm, gcra, Gcra(1'000'000'000, 1'000));
BENCHMARK_CAPTURE(BM_Algorithm, leaky_bucket, LeakyBucket(1'000'000'000, 1'000));
BENCHMARK_CAPTURE(BM_Algorithm, fixed_window, FixedWindow(1'000'000, seconds(1)));
BENCHMARK_CAPTURE(BM_Algorithm, sliding_counter, SlidingCounter(1'000'000, seconds(1)));
BENCHMARK_CAPTURE(BM_Algorithm, sliding_log, SlidingLog(1'000, millis(1)));

constexpr LimiterAlgorithm kAll[] = {LimiterAlgorithm::kTokenBucket,    LimiterAlgorithm::kGcra,
                                     LimiterAlgorithm::kLeakyBucket,    LimiterAlgorithm::kFixedWindow,
                                     LimiterAlgorithm::kSlidingCounter, LimiterAlgorithm::kSlidingLog,
                                     LimiterAlgorithm::kConcurrency};

// Shared across the threads of a ->Threads(2) run; built by thread 0.
std::unique_ptr<LimiterStore> gStore;

void setUpStore(benchmark::State& state, LimiterAlgorithm algorithm, std::int64_t maxKeys) {
  if (state.thread_index() == 0) {
    LimiterStoreOptions options;
    options.maxKeys = maxKeys;
    gStore = makeLimiter(specFor(algorithm), options);
  }
}

void reportStore(benchmark::State& state) {
  if (state.thread_index() != 0) return;
  const LimiterStoreStats st = gStore->stats();
  state.counters["bytes_per_key"] = static_cast<double>(gStore->bytesPerKey());
  state.counters["keys"] = static_cast<double>(st.keys);
  if (st.keys > 1) state.counters["bytes_used_per_key"] = static_cast<double>(st.bytes) / static_cast<double>(st.keys);
}

// One key, looked up by its string each time (hash + shard lock + probe + decision).
void BM_StoreHotKey(benchmark::State& state, LimiterAlgorithm algorithm) {
  setUpStore(state, algorithm, 1'000'000);
  const std::string key = "consumer-00042";
  const bool release = algorithm == LimiterAlgorithm::kConcurrency;
  TimePoint now = 0;
  for (auto _ : state) {
    const LimitDecision d = gStore->decide(key, ++now);
    if (release && d.allowed) gStore->release(key, now);
    benchmark::DoNotOptimize(d);
  }
  reportStore(state);
}

// 1M distinct keys in a shuffled order: every decision misses the CPU caches.
const std::vector<std::string>& distinctKeys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    k.reserve(1'000'000);
    char buf[32];
    for (int i = 0; i < 1'000'000; ++i) {
      std::snprintf(buf, sizeof buf, "client-%07d", i);
      k.emplace_back(buf);
    }
    Random rng(7);
    std::shuffle(k.begin(), k.end(), rng);
    return k;
  }();
  return keys;
}

void BM_StoreDistinctKeys(benchmark::State& state, LimiterAlgorithm algorithm) {
  const auto& keys = distinctKeys();
  // 5% above the key count: the per-shard share absorbs the hash imbalance (no eviction).
  setUpStore(state, algorithm, 1'050'000);
  if (state.thread_index() == 0) {
    for (const std::string& key : keys) gStore->decide(key, 0);  // insertion is not timed
  }
  const bool release = algorithm == LimiterAlgorithm::kConcurrency;
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * keys.size() / 2;
  TimePoint now = 0;
  for (auto _ : state) {
    const std::string& key = keys[i];
    if (++i == keys.size()) i = 0;
    const LimitDecision d = gStore->decide(key, ++now);
    if (release && d.allowed) gStore->release(key, now);
    benchmark::DoNotOptimize(d);
  }
  reportStore(state);
}

void registerStoreBenchmarks() {
  for (LimiterAlgorithm a : kAll) {
    const std::string name(toString(a));
    benchmark::RegisterBenchmark(("BM_StoreHotKey/" + name).c_str(), BM_StoreHotKey, a);
    benchmark::RegisterBenchmark(("BM_StoreHotKey/" + name).c_str(), BM_StoreHotKey, a)->Threads(2)->UseRealTime();
    benchmark::RegisterBenchmark(("BM_StoreDistinctKeys/" + name).c_str(), BM_StoreDistinctKeys, a)
        ->Iterations(3'000'000);
    benchmark::RegisterBenchmark(("BM_StoreDistinctKeys/" + name).c_str(), BM_StoreDistinctKeys, a)
        ->Threads(2)->UseRealTime()->Iterations(1'500'000);
  }
}

const int kRegistered = (registerStoreBenchmarks(), 0);

}  // namespace
