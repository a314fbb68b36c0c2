// The Lua scripts of libgateway/ratelimit/limit_script.h against a real redis-server: every
// decide script takes exactly the local algorithm's decisions (makeLimiter) over seeded random
// traces, with late clocks, queries and costs above the quota; the keys' expiries; the
// sync-mode window counter; the cluster bounds; the SHA-1s. Batches and concurrency:
// redis_script_batch_test.cc.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "tests/integration/redis_script_fixture.h"

namespace gateway::testing {
namespace {

// A seeded trace over a few keys: the clock mostly moves forward by about one request's
// worth, sometimes stands still, sometimes jumps a whole quota window; a request's `now` lags
// the clock now and then (a little, rarely a lot). Costs: mostly 1, some 0, 2, 3, the quota,
// above it, or anything up to it.
struct TraceShape {
  TimePoint start = kUnixNow;
  int steps = 2500;
  int keys = 4;
  std::uint64_t seed = 1;
};

void runTrace(const LimiterSpec& spec, const TraceShape& shape, const std::string& prefix) {
  std::string error;
  auto local = makeLimiter(spec, {}, &error);
  ASSERT_TRUE(local) << error;
  const std::int64_t quota = spec.quota();
  const Duration span = std::max<Duration>(1, spec.quotaWindow());
  const Duration pace = std::max<Duration>(1, span / quota);
  std::mt19937_64 random(shape.seed);
  const auto uniform = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(random);
  };
  TimePoint clock = shape.start;
  // token_bucket's `last` per key: its creation, then the latest admission. Its expiry counts
  // from there, which a late now's resetAfter does not.
  std::map<std::string, TimePoint> bucketLast;
  for (int step = 0; step < shape.steps; ++step) {
    const std::int64_t move = uniform(0, 99);
    if (move < 60) clock += uniform(0, 2 * pace);
    else if (move < 63) clock += uniform(span / 2, 2 * span);
    TimePoint now = clock;
    const std::int64_t lag = uniform(0, 99);
    if (lag < 10) now -= uniform(1, pace / 2 + 1);
    else if (lag < 11) now -= uniform(1, 3 * span + seconds(10));
    const std::int64_t c = uniform(0, 99);
    std::int64_t cost = 1;
    if (c < 8) cost = 0;
    else if (c < 9) cost = -1;
    else if (c < 17) cost = 2;
    else if (c < 23) cost = 3;
    else if (c < 27) cost = quota;
    else if (c < 31) cost = quota + 1;
    else if (c < 36) cost = uniform(1, quota);
    const std::string key = prefix + ":k" + std::to_string(uniform(0, shape.keys - 1));

    const LimitDecision want = local->decide(key, now, cost);
    auto got = RedisScriptTest::decide(spec, key, now, cost, error, true);
    const auto where = [&] {
      std::ostringstream out;
      out << "step " << step << " of " << show(spec) << " (seed " << shape.seed << "): key " << key << " now " << now
          << " cost " << cost << "\n  local:  " << show(want);
      return out.str();
    };
    ASSERT_TRUE(got) << where() << "\n  redis:  " << error;
    ASSERT_EQ(want, got->decision) << where() << "\n  redis:  " << show(got->decision);

    const bool created = cost > 0 && !bucketLast.count(key);
    if (created) bucketLast[key] = now;
    if (!bucketLast.count(key)) {
      ASSERT_EQ(got->expireAt, -2) << where() << "\n  a query created the key";
    } else if (cost > 0 && want.allowed) {
      // Alive until the state is fresh again, in ms rounded up.
      TimePoint& last = bucketLast[key];
      last = std::max(last, now);
      const Duration lag = spec.algorithm == LimiterAlgorithm::kTokenBucket ? last - now : 0;
      const long long ttl = std::max<Duration>(1, ceilDiv(want.resetAfter + lag, kMillisecond));
      ASSERT_GE(got->expireAt, 0) << where();
      ASSERT_LE(got->setLow, ttl) << where();
      ASSERT_GE(got->setHigh, ttl) << where();
    }
  }
}

// The same (now, cost) steps through the local store and the script, decision by decision.
void expectSameDecisions(const LimiterSpec& spec, const std::string& key,
                         const std::vector<std::pair<TimePoint, std::int64_t>>& steps) {
  std::string error;
  auto local = makeLimiter(spec, {}, &error);
  ASSERT_TRUE(local) << error;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto [now, cost] = steps[i];
    const LimitDecision want = local->decide(key, now, cost);
    auto got = RedisScriptTest::decide(spec, key, now, cost, error, true);
    ASSERT_TRUE(got) << error;
    EXPECT_EQ(want, got->decision) << "step " << i << " of " << show(spec) << ": now " << now << " cost " << cost
                                   << "\n  local: " << show(want) << "\n  redis: " << show(got->decision);
  }
}

TEST_F(RedisScriptTest, BucketsDecideAsTheLocalAlgorithms) {
  for (const LimiterAlgorithm a : {LimiterAlgorithm::kTokenBucket, LimiterAlgorithm::kGcra}) {
    const std::vector<LimiterSpec> specs{
        bucket(a, 500, 1),                           // 0.5/s, burst 1
        bucket(a, 10'000, 100),                      // 10/s, burst 100
        bucket(a, 3'333, 7),                         // a rate that divides nothing
        bucket(a, 1, 3),                             // 0.001/s: the slowest
        bucket(a, 1'000'000, 5),                     // 1000/s, small burst
        bucket(a, 1'000'000'000, kMaxClusterBurst),  // the biggest burst
        bucket(a, kMaxRateMilli, 1000),              // 1e9/s: a lag of 4.6 s reaches gcra's cap
    };
    for (std::size_t i = 0; i < specs.size(); ++i) {
      TraceShape shape;
      shape.seed = 100 + i;
      shape.start = i == 2 ? 0 : kUnixNow;  // gwsim's clock starts at 0: late nows go negative
      runTrace(specs[i], shape, std::string(toString(a)) + ":" + std::to_string(i));
      if (HasFatalFailure()) return;
    }
  }
}

TEST_F(RedisScriptTest, WindowsDecideAsTheLocalAlgorithms) {
  for (const LimiterAlgorithm a :
       {LimiterAlgorithm::kFixedWindow, LimiterAlgorithm::kSlidingCounter, LimiterAlgorithm::kSlidingLog}) {
    const std::vector<LimiterSpec> specs{
        windowed(a, 1, millis(1)),                  // one per millisecond
        windowed(a, 3, 7),                          // 3 per 7 us
        windowed(a, 10, seconds(1)),
        windowed(a, 100, seconds(60)),
        windowed(a, 100'000, seconds(3600)),        // 100,000 per hour
        windowed(a, kMaxLimit, kMaxLimiterWindow),  // the largest: products far above 2^53
        windowed(a, 7, 333),
    };
    for (std::size_t i = 0; i < specs.size(); ++i) {
      TraceShape shape;
      shape.seed = 200 + i;
      shape.start = i == 6 ? 0 : kUnixNow;
      runTrace(specs[i], shape, std::string(toString(a)) + ":" + std::to_string(i));
      if (HasFatalFailure()) return;
    }
  }
}

// Requests far behind the key's state: gcra's far-ahead branch, including the C++'s cap of
// 2^62 ticks (4.6 s at 1e9/s), and the token bucket's unrefilled late request.
TEST_F(RedisScriptTest, VeryLateRequestsDecideAsTheLocalAlgorithms) {
  const TimePoint t = kUnixNow;
  for (const LimiterAlgorithm a : {LimiterAlgorithm::kTokenBucket, LimiterAlgorithm::kGcra}) {
    for (const LimiterSpec& spec : {bucket(a, kMaxRateMilli, 1000), bucket(a, 10'000, 20), bucket(a, 512, 2)}) {
      expectSameDecisions(spec, "late:" + show(spec),
                          {{t, 1}, {t, 1}, {t - seconds(5), 1}, {t - seconds(10), 0}, {t - seconds(3600), 1},
                           {t - seconds(3600), 1001}, {t - seconds(400 * 86400), 1}, {t + 1, 0}, {t + seconds(1), 2},
                           {t - 1, 1}});
    }
  }
}

// The local store creates a key on its first charged request, even a denied one (a cost
// above the quota); its fresh state then rules a later request whose clock lags: the token
// bucket's `last`, gcra's TAT, the windows' start.
TEST_F(RedisScriptTest, DeniedFirstRequestsCreateTheFreshState) {
  const std::vector<LimiterSpec> specs{
      bucket(LimiterAlgorithm::kTokenBucket, 1000, 3),       bucket(LimiterAlgorithm::kGcra, 1000, 3),
      windowed(LimiterAlgorithm::kFixedWindow, 3, seconds(1)), windowed(LimiterAlgorithm::kSlidingCounter, 3, seconds(1)),
      windowed(LimiterAlgorithm::kSlidingLog, 3, seconds(1)),  windowed(LimiterAlgorithm::kConcurrency, 3, 0),
  };
  const TimePoint t0 = kUnixNow + millis(100);  // 100 ms into a second
  for (const LimiterSpec& spec : specs) {
    expectSameDecisions(spec, "fresh:" + show(spec),
                        {{t0, 4}, {t0 - millis(300), 3}, {t0 - millis(300), 1}, {t0 - millis(200), 0},
                         {t0, 1}, {t0 + millis(950), 2}, {t0 + millis(400), 3}});
    expectSameDecisions(spec, "fresh0:" + show(spec), {{t0, 0}, {t0 - millis(300), 2}, {t0, 3}});
  }
}

// Where sliding_counter's rule prev * rest <= room * window is off by exactly 1 at products
// near 2^71: a comparison of doubles would admit; the script's two-part products do not,
// and the retry time (floor(room * window / prev)) is exact too.
TEST_F(RedisScriptTest, SlidingCounterIsExactBeyond2To53) {
  const Duration window = kMaxLimiterWindow;
  const std::int64_t prev = 241'743'761;  // prev * 22159 == 2 * window - 1
  const Duration e = 22'159;
  const LimiterSpec spec = windowed(LimiterAlgorithm::kSlidingCounter, kMaxLimit, window);
  const TimePoint start = floorDiv(kUnixNow, window) * window;
  const std::int64_t cost = kMaxLimit - (prev - 2);  // room = prev - 2
  expectSameDecisions(spec, "exact:sc",
                      {{start + 5, prev}, {start + window + e - 1, cost}, {start + window + e, cost},
                       {start + window + e + 1, cost}, {start + window + e + 1, 0}, {start + window + e + 2, 1}});
  auto local = makeLimiter(spec);
  local->decide("probe", start + 5, prev);
  EXPECT_FALSE(local->decide("probe", start + window + e, cost).allowed);  // the case is the intended one
}

TEST_F(RedisScriptTest, KeysExpireOnceFreshAndQueriesCreateNone) {
  struct Case {
    LimiterSpec spec;
    long long ttlMs;  // after one cost-1 request at kUnixNow
  };
  const std::vector<Case> cases{
      {bucket(LimiterAlgorithm::kTokenBucket, 10'000, 5), 100},  // 1 token back at 10/s
      {bucket(LimiterAlgorithm::kGcra, 10'000, 5), 100},
      {windowed(LimiterAlgorithm::kFixedWindow, 10, seconds(60)), 60'000 - (kUnixNow % seconds(60)) / 1000},
      {windowed(LimiterAlgorithm::kSlidingLog, 10, seconds(60)), 60'000},
      {windowed(LimiterAlgorithm::kSlidingCounter, 10, seconds(60)), 120'000 - (kUnixNow % seconds(60)) / 1000},
      {windowed(LimiterAlgorithm::kConcurrency, 10, 0), kLease / kMillisecond},
  };
  std::string error;
  for (const Case& c : cases) {
    const std::string key = "ttl:" + std::string(toString(c.spec.algorithm));
    auto query = decide(c.spec, key, kUnixNow, 0, error, false);
    ASSERT_TRUE(query) << error;
    EXPECT_EQ(query->expireAt, -2) << show(c.spec) << ": a query created the key";
    auto admit = decide(c.spec, key, kUnixNow, 1, error, false);
    ASSERT_TRUE(admit) << error;
    EXPECT_TRUE(admit->decision.allowed);
    EXPECT_LE(admit->setLow, c.ttlMs) << show(c.spec);
    EXPECT_GE(admit->setHigh, c.ttlMs) << show(c.spec);
  }

  // A bucket that is full again 10 ms later in real time has left Redis by then, and a
  // decision on it is the local store's for a full bucket.
  const LimiterSpec fast = bucket(LimiterAlgorithm::kTokenBucket, 100'000, 1);
  auto local = makeLimiter(fast);
  const auto nowUs = [] {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  const TimePoint t0 = nowUs();
  auto first = decide(fast, "ttl:fast", t0, 1, error, false);
  ASSERT_TRUE(first) << error;
  EXPECT_EQ(local->decide("ttl:fast", t0, 1), first->decision);
  EXPECT_LE(first->setLow, 10);  // one token back at 100/s
  EXPECT_GE(first->setHigh, 10);
  std::this_thread::sleep_for(std::chrono::milliseconds(40));
  EXPECT_EQ(command({"EXISTS", "ttl:fast"}), "0");
  const TimePoint t1 = nowUs();
  auto second = decide(fast, "ttl:fast", t1, 1, error, false);
  ASSERT_TRUE(second) << error;
  EXPECT_EQ(local->decide("ttl:fast", t1, 1), second->decision);
}

TEST_F(RedisScriptTest, WindowAddAddsResetsAndIgnoresOlderWindows) {
  const auto add = [&](std::int64_t window, std::int64_t delta) {
    return command({"EVALSHA", windowAddScript().sha1, "1", "sync:w", std::to_string(window), std::to_string(delta),
                    "5000"});
  };
  EXPECT_EQ(add(7, 0), "0");  // a read creates nothing
  EXPECT_EQ(command({"EXISTS", "sync:w"}), "0");
  EXPECT_EQ(add(7, 3), "3");
  EXPECT_EQ(add(7, 2), "5");
  EXPECT_EQ(add(7, 0), "5");
  EXPECT_EQ(add(6, 4), "0");  // older: adds nothing
  EXPECT_EQ(add(7, 0), "5");
  EXPECT_EQ(add(8, 0), "0");  // a newer window read: still nothing written
  EXPECT_EQ(add(7, 0), "5");
  EXPECT_EQ(add(8, 1), "1");  // newer: replaces
  EXPECT_EQ(add(7, 9), "0");
  EXPECT_EQ(add(8, 0), "1");
  const long long ttl = std::stoll(command({"PTTL", "sync:w"}));
  EXPECT_GT(ttl, 4000);
  EXPECT_LE(ttl, 5000);
}

TEST(LimitScriptTest, ClusterBoundsAcceptUsefulSpecsAndNameTheField) {
  for (const LimiterAlgorithm a : {LimiterAlgorithm::kTokenBucket, LimiterAlgorithm::kGcra}) {
    EXPECT_EQ(validateClusterSpec(bucket(a, 1, 1)), "");
    EXPECT_EQ(validateClusterSpec(bucket(a, 500, 1)), "");
    EXPECT_EQ(validateClusterSpec(bucket(a, kMaxRateMilli, kMaxClusterBurst)), "");
    EXPECT_EQ(validateClusterSpec(bucket(a, 27'778, 100'000)), "");  // 100,000 per hour
    const std::string big = validateClusterSpec(bucket(a, 1000, kMaxClusterBurst + 1));
    EXPECT_NE(big.find("burst must be at most 9000000"), std::string::npos) << big;
    EXPECT_EQ(big.rfind(std::string(toString(a)) + ":", 0), 0u) << big;
    EXPECT_EQ(validateClusterSpec(bucket(a, 0, 1)), validateLimiterSpec(bucket(a, 0, 1)));
  }
  for (const LimiterAlgorithm a :
       {LimiterAlgorithm::kFixedWindow, LimiterAlgorithm::kSlidingCounter, LimiterAlgorithm::kSlidingLog}) {
    EXPECT_EQ(validateClusterSpec(windowed(a, 100'000, seconds(3600))), "");
    EXPECT_EQ(validateClusterSpec(windowed(a, kMaxLimit, kMaxLimiterWindow)), "");
    EXPECT_EQ(validateClusterSpec(windowed(a, 1, 1)), "");
    EXPECT_NE(validateClusterSpec(windowed(a, 10, 0)), "");
    EXPECT_EQ(validateClusterSpec(windowed(a, 0, 10)), validateLimiterSpec(windowed(a, 0, 10)));
  }
  EXPECT_EQ(validateClusterSpec(windowed(LimiterAlgorithm::kConcurrency, kMaxLimit, 0)), "");
  EXPECT_NE(validateClusterSpec(windowed(LimiterAlgorithm::kConcurrency, 0, 0)), "");
  const std::string leaky = validateClusterSpec(bucket(LimiterAlgorithm::kLeakyBucket, 1000, 5));
  EXPECT_EQ(leaky.rfind("leaky_bucket has no cluster form", 0), 0u) << leaky;
}

TEST(LimitScriptTest, RepliesAndArguments) {
  auto never = decisionFromReply(std::vector<std::int64_t>{0, 3, -1, 0, 7});
  ASSERT_TRUE(never);
  EXPECT_EQ(*never, (LimitDecision{false, 3, kNever, 0, 7}));
  auto allowed = decisionFromReply(std::vector<std::int64_t>{1, 9, 0, 0, 100});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(*allowed, (LimitDecision{true, 9, 0, 0, 100}));
  EXPECT_FALSE(decisionFromReply(std::vector<std::int64_t>{1, 9, 0, 0}));
  EXPECT_FALSE(decisionFromReply(std::vector<std::int64_t>{2, 9, 0, 0, 0}));
  EXPECT_FALSE(decisionFromReply(std::vector<std::int64_t>{0, 9, -2, 0, 0}));

  std::vector<std::string> args;
  appendDecideArgs(bucket(LimiterAlgorithm::kGcra, 500, 1), 42, 3, kLease, "h", args);
  EXPECT_EQ(args, (std::vector<std::string>{"42", "3", "500", "1"}));
  args.clear();
  appendDecideArgs(windowed(LimiterAlgorithm::kSlidingLog, 10, seconds(60)), -5, 0, kLease, "h", args);
  EXPECT_EQ(args, (std::vector<std::string>{"-5", "0", "10", "60000000"}));
  args.clear();
  appendDecideArgs(windowed(LimiterAlgorithm::kConcurrency, 4, 0), 1, 1, 1500, "g:7", args);
  EXPECT_EQ(args, (std::vector<std::string>{"1", "1", "4", "1500", "g:7"}));
  args.clear();
  appendDecideArgs(windowed(LimiterAlgorithm::kConcurrency, 4, 0), 1, 1, 0, "g:7", args);  // at least 1 ms
  EXPECT_EQ(args, (std::vector<std::string>{"1", "1", "4", "1000", "g:7"}));
}

TEST_F(RedisScriptTest, Sha1IsWhatScriptLoadAnswers) {
  std::set<std::string_view> names;
  for (const LimitScript* s : allLimitScripts()) {
    names.insert(s->name);
    EXPECT_EQ(s->sha1.size(), 40u);
    EXPECT_EQ(command({"SCRIPT", "LOAD", std::string(s->source)}), s->sha1) << s->name;
  }
  EXPECT_EQ(names, (std::set<std::string_view>{"token_bucket", "gcra", "fixed_window", "sliding_counter", "sliding_log",
                                               "concurrency", "release", "window_add"}));
  EXPECT_EQ(decideScript(LimiterAlgorithm::kGcra).name, "gcra");
  EXPECT_EQ(&decideScript(LimiterAlgorithm::kTokenBucket), &decideScript(LimiterAlgorithm::kTokenBucket));
  const std::string leaky = command({"EVAL", std::string(decideScript(LimiterAlgorithm::kLeakyBucket).source), "1", "x"});
  EXPECT_NE(leaky.find("no cluster form"), std::string::npos) << leaky;
}

}  // namespace
}  // namespace gateway::testing
