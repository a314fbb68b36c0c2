// The Lua scripts of libgateway/ratelimit/limit_script.h against a real redis-server: every
// decide script takes exactly the local algorithm's decisions (makeLimiter) over seeded random
// traces, with late clocks, queries and costs above the quota; the keys' expiries; the
// concurrency release; the sync-mode window counter; the cluster bounds; the SHA-1s.
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

#include "libgateway/ratelimit/limit_script.h"
#include "libgateway/ratelimit/limiter_store.h"
#include "tests/integration/redis_servers.h"

namespace gateway::testing {
namespace {

using ScriptReply = std::unique_ptr<redisReply, void (*)(void*)>;

constexpr TimePoint kUnixNow = 1'760'000'000'000'000;  // late 2025 in Unix microseconds
constexpr Duration kLease = seconds(60);

std::string show(const LimitDecision& d) {
  std::ostringstream out;
  out << "{allowed " << d.allowed << ", remaining " << d.remaining << ", retryAfter "
      << (d.retryAfter == kNever ? std::string("never") : std::to_string(d.retryAfter)) << ", delay " << d.delay
      << ", resetAfter " << d.resetAfter << "}";
  return out.str();
}

std::string show(const LimiterSpec& s) {
  std::ostringstream out;
  out << toString(s.algorithm);
  if (usesRate(s.algorithm)) {
    out << " rateMilli " << s.rateMilli << " burst " << s.burst;
  } else {
    out << " limit " << s.limit;
    if (usesWindow(s.algorithm)) out << " window " << s.window << "us";
  }
  return out.str();
}

LimiterSpec bucket(LimiterAlgorithm a, std::int64_t rateMilli, std::int64_t burst) {
  LimiterSpec s;
  s.algorithm = a;
  s.rateMilli = rateMilli;
  s.burst = burst;
  return s;
}

LimiterSpec windowed(LimiterAlgorithm a, std::int64_t limit, Duration window) {
  LimiterSpec s;
  s.algorithm = a;
  s.limit = limit;
  s.window = window;
  return s;
}

// What one scripted decision answered, and the expiry the key has after it: PEXPIRETIME
// (-2: no key, -1: none) between two TIMEs, so that an expiry the script set, in ms from its
// clock, is known to lie in [setLow, setHigh].
struct Remote {
  LimitDecision decision;
  long long expireAt = -2;
  long long setLow = 0;
  long long setHigh = 0;
};

class RedisScriptTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    std::string error;
    server_ = RedisServer::start(error).release();
    ASSERT_NE(server_, nullptr) << error;
    context_ = redisConnect("127.0.0.1", server_->port());
    ASSERT_TRUE(context_ != nullptr && context_->err == 0) << (context_ ? context_->errstr : "no memory");
    for (const LimitScript* s : allLimitScripts()) {
      ASSERT_EQ(server_->command({"SCRIPT", "LOAD", std::string(s->source)}), s->sha1) << s->name;
      // The traces' copy: every expiry an hour later, so that no key of a trace that runs in
      // virtual time expires by Redis's real clock (a 1 ms expiry can pass even between two
      // commands of one EXEC); PEXPIRETIME still tells what the script set.
      std::string source(s->source);
      bool hooked = false;
      for (const std::string hook : {"'PX', int(", "redis.call('PEXPIRE', key, int("}) {
        for (auto at = source.find(hook); at != std::string::npos; at = source.find(hook, at + hook.size())) {
          source.insert(at + hook.size() - 4, std::to_string(kExpiryOffsetMs) + " + ");
          hooked = true;
        }
      }
      if (hooked) delayedSha_[std::string(s->name)] = server_->command({"SCRIPT", "LOAD", source});
    }
    for (const char* name : {"token_bucket", "gcra", "fixed_window", "sliding_counter", "sliding_log"}) {
      ASSERT_EQ(delayedSha_[name].size(), 40u) << name << ": no PEXPIRE to delay";
    }
  }
  static void TearDownTestSuite() {
    if (context_ != nullptr) redisFree(context_);
    delete server_;
    context_ = nullptr;
    server_ = nullptr;
  }

  void SetUp() override { ASSERT_TRUE(server_ != nullptr && context_ != nullptr && context_->err == 0); }

  // Sends the commands in one write and returns their replies, in order.
  static std::vector<ScriptReply> pipeline(const std::vector<std::vector<std::string>>& commands) {
    for (const auto& args : commands) {
      std::vector<const char*> argv;
      std::vector<std::size_t> lens;
      for (const std::string& a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
      }
      redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lens.data());
    }
    std::vector<ScriptReply> replies;
    for (std::size_t i = 0; i < commands.size(); ++i) {
      void* r = nullptr;
      if (redisGetReply(context_, &r) != REDIS_OK) {
        ADD_FAILURE() << "redis: " << context_->errstr;
        break;
      }
      replies.emplace_back(static_cast<redisReply*>(r), freeReplyObject);
    }
    return replies;
  }

  static std::vector<std::string> evalsha(const LimitScript& script, const std::string& key,
                                          const std::vector<std::string>& args) {
    std::vector<std::string> cmd{"EVALSHA", script.sha1, "1", key};
    cmd.insert(cmd.end(), args.begin(), args.end());
    return cmd;
  }

  static std::optional<LimitDecision> decisionOf(const redisReply* r, std::string& error) {
    if (r->type == REDIS_REPLY_ERROR) {
      error = r->str;
      return std::nullopt;
    }
    std::vector<std::int64_t> values;
    if (r->type == REDIS_REPLY_ARRAY) {
      for (std::size_t i = 0; i < r->elements; ++i) {
        if (r->element[i]->type != REDIS_REPLY_INTEGER) break;
        values.push_back(r->element[i]->integer);
      }
    }
    auto d = decisionFromReply(values);
    if (!d) error = "not five integers";
    return d;
  }

  // One decision through the script, with the key's expiry after it. `delayed`: the traces'
  // copy, whose expiries are kExpiryOffsetMs later (taken off setLow and setHigh).
  static std::optional<Remote> decide(const LimiterSpec& spec, const std::string& key, TimePoint now,
                                      std::int64_t cost, std::string& error, bool delayed,
                                      std::string_view holder = "h", Duration lease = kLease) {
    std::vector<std::string> args;
    appendDecideArgs(spec, now, cost, lease, holder, args);
    const LimitScript& script = decideScript(spec.algorithm);
    std::vector<std::string> eval = evalsha(script, key, args);
    if (delayed && delayedSha_.count(std::string(script.name))) eval[1] = delayedSha_[std::string(script.name)];
    auto replies = pipeline({{"TIME"}, eval, {"PEXPIRETIME", key}, {"TIME"}});
    if (replies.size() != 4 || replies[2]->type != REDIS_REPLY_INTEGER) {
      error = "no reply";
      return std::nullopt;
    }
    auto d = decisionOf(replies[1].get(), error);
    if (!d) return std::nullopt;
    Remote r{*d, replies[2]->integer};
    if (r.expireAt >= 0) {
      const long long offset = delayed ? kExpiryOffsetMs : 0;
      r.setLow = r.expireAt - millisOf(replies[3].get()) - offset;
      r.setHigh = r.expireAt - millisOf(replies[0].get()) - offset;
    }
    return r;
  }
  // Redis's TIME reply in whole milliseconds.
  static long long millisOf(const redisReply* time) {
    if (time->type != REDIS_REPLY_ARRAY || time->elements != 2) return 0;
    return std::stoll(time->element[0]->str) * 1000 + std::stoll(time->element[1]->str) / 1000;
  }
  static std::string command(const std::vector<std::string>& args) { return server_->command(args); }

  static constexpr long long kExpiryOffsetMs = 3'600'000;
  static RedisServer* server_;
  static redisContext* context_;
  static std::map<std::string, std::string> delayedSha_;
};

RedisServer* RedisScriptTest::server_ = nullptr;
redisContext* RedisScriptTest::context_ = nullptr;
std::map<std::string, std::string> RedisScriptTest::delayedSha_;

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
// gatewayd sends the decisions of one loop turn as one call: a batch decides as the same
// decisions one call after another, a key that comes back in the batch seeing its earlier
// decisions (the batch reads every key once, then keeps its own writes).
TEST_F(RedisScriptTest, BatchesDecideAsOneCallAfterAnother) {
  LimiterSpec conc;
  conc.algorithm = LimiterAlgorithm::kConcurrency;
  conc.limit = 6;
  const std::vector<LimiterSpec> specs{
      bucket(LimiterAlgorithm::kTokenBucket, 20'000, 5), bucket(LimiterAlgorithm::kGcra, 20'000, 5),
      windowed(LimiterAlgorithm::kFixedWindow, 8, millis(100)), windowed(LimiterAlgorithm::kSlidingCounter, 8, millis(100)),
      windowed(LimiterAlgorithm::kSlidingLog, 8, millis(100)), conc};
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const LimiterSpec& spec = specs[i];
    std::string error;
    auto local = makeLimiter(spec, {}, &error);
    ASSERT_TRUE(local) << error;
    const LimitScript& script = decideScript(spec.algorithm);
    const std::string& sha = delayedSha_.count(std::string(script.name)) ? delayedSha_[std::string(script.name)]
                                                                          : script.sha1;
    std::mt19937_64 random(400 + i);
    const auto uniform = [&](std::int64_t lo, std::int64_t hi) {
      return std::uniform_int_distribution<std::int64_t>(lo, hi)(random);
    };
    TimePoint now = kUnixNow;
    for (int call = 0; call < 60; ++call) {
      const auto n = static_cast<std::size_t>(uniform(1, 40));
      std::vector<std::string> keys, args;
      std::vector<LimitDecision> want;
      for (std::size_t d = 0; d < n; ++d) {
        now += uniform(0, millis(3));
        const std::int64_t cost = uniform(0, 9) == 0 ? 0 : uniform(1, 2);
        keys.push_back("batch:" + std::to_string(i) + ":k" + std::to_string(uniform(0, 2)));
        appendDecideArgs(spec, now, cost, kLease, "b" + std::to_string(call) + "." + std::to_string(d), args);
        want.push_back(local->decide(keys.back(), now, cost));
      }
      std::vector<std::string> cmd{"EVALSHA", sha, std::to_string(n)};
      cmd.insert(cmd.end(), keys.begin(), keys.end());
      cmd.insert(cmd.end(), args.begin(), args.end());
      const auto replies = pipeline({cmd});
      ASSERT_EQ(replies.size(), 1u);
      const redisReply* r = replies[0].get();
      ASSERT_EQ(r->type, REDIS_REPLY_ARRAY) << (r->str ? r->str : "") << " (" << show(spec) << ")";
      ASSERT_EQ(r->elements, 5 * n) << show(spec);
      for (std::size_t d = 0; d < n; ++d) {
        std::vector<std::int64_t> values;
        for (std::size_t j = 0; j < 5; ++j) values.push_back(r->element[5 * d + j]->integer);
        const auto got = decisionFromReply(values);
        ASSERT_TRUE(got) << show(spec);
        ASSERT_EQ(want[d], *got) << show(spec) << " call " << call << " decision " << d << " of " << n << " key "
                                 << keys[d] << "\n  local: " << show(want[d]) << "\n  redis: " << show(*got);
      }
    }
  }
}

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

TEST_F(RedisScriptTest, ConcurrencyAcquireAndReleaseAsTheLocalStore) {
  for (const std::int64_t limit : {1, 5, 100}) {
    LimiterSpec spec;
    spec.algorithm = LimiterAlgorithm::kConcurrency;
    spec.limit = limit;
    std::string error;
    auto local = makeLimiter(spec, {}, &error);
    ASSERT_TRUE(local) << error;
    std::mt19937_64 random(300 + limit);
    const auto uniform = [&](std::int64_t lo, std::int64_t hi) {
      return std::uniform_int_distribution<std::int64_t>(lo, hi)(random);
    };
    // Each key's holders and what they hold; a release gives back one of them, or a name that
    // holds nothing (which gives back nothing).
    std::map<std::string, std::vector<std::pair<std::string, std::int64_t>>> held;
    for (int step = 0; step < 1500; ++step) {
      const std::string key = "conc:" + std::to_string(limit) + ":k" + std::to_string(uniform(0, 2));
      const std::int64_t pick = uniform(0, 99);
      const std::int64_t cost = pick < 10 ? 0 : pick < 15 ? limit + 1 : pick < 20 ? limit : uniform(1, 3);
      auto& holders = held[key];
      if (uniform(0, 99) < 40) {
        std::string holder = "nobody";
        std::int64_t units = uniform(1, 3);
        if (!holders.empty() && uniform(0, 9) > 0) {
          const auto at = holders.begin() + uniform(0, static_cast<std::int64_t>(holders.size()) - 1);
          std::tie(holder, units) = *at;
          holders.erase(at);
          local->release(key, kUnixNow, units);
        }
        const auto replies = pipeline({evalsha(releaseScript(), key, {holder, std::to_string(units)})});
        ASSERT_EQ(replies.size(), 1u);
        ASSERT_EQ(replies[0]->type, REDIS_REPLY_INTEGER) << (replies[0]->str ? replies[0]->str : "");
        // The units still in flight, as a query sees them.
        const LimitDecision after = local->decide(key, kUnixNow, 0);
        ASSERT_EQ(replies[0]->integer, limit - after.remaining) << "step " << step << " release " << holder;
        continue;
      }
      const std::string holder = "s" + std::to_string(step);
      auto got = decide(spec, key, kUnixNow, cost, error, false, holder);
      ASSERT_TRUE(got) << error;
      const LimitDecision want = local->decide(key, kUnixNow, cost);
      ASSERT_EQ(want, got->decision) << "step " << step << " limit " << limit << " key " << key << " cost " << cost
                                     << "\n  local: " << show(want) << "\n  redis: " << show(got->decision);
      if (want.allowed && cost > 0) {  // the key lives as long as this admission's lease
        holders.emplace_back(holder, cost);
        EXPECT_LE(got->setLow, kLease / kMillisecond);
        EXPECT_GE(got->setHigh, kLease / kMillisecond);
      }
    }
  }
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

TEST_F(RedisScriptTest, ReleaseGivesBackOnlyWhatItsHolderHoldsAndKeepsTheLease) {
  LimiterSpec spec;
  spec.algorithm = LimiterAlgorithm::kConcurrency;
  spec.limit = 3;
  std::vector<std::string> args;
  appendDecideArgs(spec, kUnixNow, 2, seconds(5), "a", args);
  ASSERT_EQ(args, (std::vector<std::string>{std::to_string(kUnixNow), "2", "3", "5000000", "a"}));
  EXPECT_EQ(command(evalsha(decideScript(spec.algorithm), "rel:k", args)), "1 1 0 0 0");
  const auto release = [&](const std::string& holder, std::int64_t cost) {
    return command({"EVALSHA", releaseScript().sha1, "1", "rel:k", holder, std::to_string(cost)});
  };
  EXPECT_EQ(release("b", 2), "2") << "b holds nothing";
  EXPECT_EQ(release("a", 1), "1");
  EXPECT_GT(std::stoll(command({"PTTL", "rel:k"})), 4000);
  EXPECT_EQ(release("a", 5), "0");
  EXPECT_EQ(command({"EXISTS", "rel:k"}), "0");
  EXPECT_EQ(release("a", 1), "0");
  EXPECT_EQ(command({"EXISTS", "rel:k"}), "0");
}

// A gateway that dies holding units never gives them back: each unit leaves when its own lease
// ends, however many admissions (of other holders) come after it. With one lease for the whole
// key, renewed by each admission, a steady flow would keep the dead gateway's units forever.
TEST_F(RedisScriptTest, ConcurrencyUnitsLeaveWhenTheirOwnLeaseEnds) {
  LimiterSpec spec;
  spec.algorithm = LimiterAlgorithm::kConcurrency;
  spec.limit = 2;
  const Duration lease = seconds(10);
  const TimePoint t = kUnixNow;
  std::string error;
  const auto admitted = [&](TimePoint at, const std::string& holder) {
    auto r = decide(spec, "lease:k", at, 1, error, true, holder, lease);
    EXPECT_TRUE(r) << error;
    return r && r->decision.allowed;
  };
  EXPECT_TRUE(admitted(t, "dead"));  // never released
  EXPECT_TRUE(admitted(t + seconds(6), "b"));
  EXPECT_FALSE(admitted(t + seconds(9), "c")) << "both still in flight";
  EXPECT_TRUE(admitted(t + seconds(10), "c")) << "dead's lease ended, though b came later";
  const auto released = command({"EVALSHA", releaseScript().sha1, "1", "lease:k", "c", "1"});
  EXPECT_EQ(released, "1") << "b is left";
  EXPECT_TRUE(admitted(t + seconds(12), "d"));
  EXPECT_FALSE(admitted(t + seconds(15), "e"));
  EXPECT_TRUE(admitted(t + seconds(16), "e")) << "b's lease ended";
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
