// The Lua scripts of libgateway/ratelimit/limit_script.h against a real redis-server, continued
// (redis_script_test.cc has the traces): a batch of decisions in one call decides as the same
// decisions one call after another; concurrency units held by name, released by name, and
// gone when their own lease ends.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <map>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "tests/integration/redis_script_fixture.h"

namespace gateway::testing {
namespace {

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
    // Concurrency: the units admitted so far (key, holder, cost); half go back between calls.
    std::vector<std::tuple<std::string, std::string, std::int64_t>> held;
    for (int call = 0; call < 60; ++call) {
      const auto n = static_cast<std::size_t>(uniform(1, 40));
      std::vector<std::string> keys, args, holders;
      std::vector<LimitDecision> want;
      for (std::size_t d = 0; d < n; ++d) {
        now += uniform(0, millis(3));
        const std::int64_t cost = uniform(0, 9) == 0 ? 0 : uniform(1, 2);
        keys.push_back("batch:" + std::to_string(i) + ":k" + std::to_string(uniform(0, 2)));
        holders.push_back("b" + std::to_string(call) + "." + std::to_string(d));
        appendDecideArgs(spec, now, cost, kLease, holders.back(), args);
        want.push_back(local->decide(keys.back(), now, cost));
        if (spec.algorithm == LimiterAlgorithm::kConcurrency && want.back().allowed && cost > 0) {
          held.emplace_back(keys.back(), holders.back(), cost);
        }
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
      for (std::size_t h = 0; h < held.size();) {
        if (uniform(0, 1) == 0) {
          ++h;
          continue;
        }
        const auto& [key, holder, cost] = held[h];
        local->release(key, now, cost);
        pipeline({{"EVALSHA", releaseScript().sha1, "1", key, holder, std::to_string(cost)}});
        held.erase(held.begin() + static_cast<std::ptrdiff_t>(h));
      }
    }
  }
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

}  // namespace
}  // namespace gateway::testing
