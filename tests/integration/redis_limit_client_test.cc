// gatewayd's Redis client for cluster limits (net/redis_limit_client.h) on its own event loop
// against a real redis-server: concurrency units are held under the client's holder names and
// given back by name, and a decision that timed out while Redis was paused is given back once
// Redis runs it (the answer came too late to count, so the unit would otherwise stay until its
// lease ends).
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "libgateway/net/redis_limit_client.h"
#include "libgateway/net/steady_clock.h"
#include "tests/integration/redis_servers.h"

namespace gateway::testing {
namespace {

constexpr const char* kKey = "gw:rl:{test}:conc";

LimiterSpec concurrency(std::int64_t limit) {
  LimiterSpec s;
  s.algorithm = LimiterAlgorithm::kConcurrency;
  s.limit = limit;
  return s;
}

struct ClientOnALoop {
  explicit ClientOnALoop(const std::string& address, Duration timeout)
      : client(io, clock, [&] {
          net::RedisLimitClient::Options o;
          o.seeds = {address};
          o.timeout = timeout;
          return o;
        }()) {}
  // One decision, the loop run until it is answered (at most 5 s).
  std::optional<ClusterAnswer> decide(const LimiterSpec& spec) {
    std::optional<ClusterAnswer> got;
    client.decide(spec, kKey, clock.now(), 1, seconds(60), [&](const ClusterAnswer& a) {
      got = a;
      got->error = {};  // a view into the client's reply
    });
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!got && std::chrono::steady_clock::now() < until) io.run_for(std::chrono::milliseconds(10));
    return got;
  }
  // Runs the loop until `done` says so (checked every 10 ms), at most 5 s.
  template <typename F>
  bool runUntil(F done) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < until) {
      io.run_for(std::chrono::milliseconds(10));
      if (done()) return true;
    }
    return false;
  }

  boost::asio::io_context io;
  net::SteadyClock clock;
  net::RedisLimitClient client;
};

// "cmdstat_<name>:calls=N,..." of INFO commandstats: N, or 0.
long long calls(RedisServer& redis, const std::string& name) {
  const std::string info = redis.command({"INFO", "commandstats"});
  const std::string tag = "cmdstat_" + name + ":calls=";
  const auto at = info.find(tag);
  return at == std::string::npos ? 0 : std::stoll(info.substr(at + tag.size()));
}

TEST(RedisLimitClientTest, ConcurrencyUnitsAreHeldByNameAndGivenBackByName) {
  std::string error;
  auto redis = RedisServer::start(error);
  ASSERT_TRUE(redis) << error;
  ClientOnALoop c(redis->address(), seconds(2));
  auto a = c.decide(concurrency(2));
  auto b = c.decide(concurrency(2));
  auto full = c.decide(concurrency(2));
  ASSERT_TRUE(a && b && full);
  ASSERT_TRUE(a->ok && b->ok && full->ok);
  EXPECT_TRUE(a->decision.allowed);
  EXPECT_TRUE(b->decision.allowed);
  EXPECT_FALSE(full->decision.allowed);
  EXPECT_TRUE(full->holder.empty()) << "a denial holds nothing";
  ASSERT_FALSE(a->holder.empty());
  EXPECT_NE(a->holder, b->holder);
  EXPECT_NE(redis->command({"ZSCORE", kKey, a->holder}), "(nil)");
  c.client.release(kKey, "someone-else", 1);
  c.client.release(kKey, a->holder, 1);
  ASSERT_TRUE(c.runUntil([&] { return redis->command({"ZCARD", kKey}) == "1"; }))
      << "a's unit given back, b's kept: " << redis->command({"ZRANGE", kKey, "0", "-1"});
  EXPECT_EQ(redis->command({"ZRANGE", kKey, "0", "-1"}), b->holder);
  auto again = c.decide(concurrency(2));
  ASSERT_TRUE(again && again->ok);
  EXPECT_TRUE(again->decision.allowed);
}

TEST(RedisLimitClientTest, AUnitWhoseAnswerCameTooLateIsGivenBack) {
  std::string error;
  auto redis = RedisServer::start(error);
  ASSERT_TRUE(redis) << error;
  ClientOnALoop c(redis->address(), millis(50));
  auto warm = c.decide(concurrency(5));  // connected, scripts loaded
  ASSERT_TRUE(warm && warm->ok && warm->decision.allowed);
  c.client.release(kKey, warm->holder, 1);
  ASSERT_TRUE(c.runUntil([&] { return redis->command({"ZCARD", kKey}) == "0"; }));
  ASSERT_EQ(redis->command({"CONFIG", "RESETSTAT"}), "OK");
  // Every client's commands wait 400 ms: the decision times out here, and Redis runs it later.
  ASSERT_EQ(redis->command({"CLIENT", "PAUSE", "400", "ALL"}), "OK");
  auto late = c.decide(concurrency(5));
  ASSERT_TRUE(late);
  EXPECT_FALSE(late->ok) << "answered within 50 ms by a paused Redis";
  EXPECT_TRUE(late->holder.empty());
  // Redis admits it once the pause ends, then runs the release the client sent after it.
  EXPECT_TRUE(c.runUntil([&] { return calls(*redis, "zrem") >= 1; })) << "no release was sent";
  EXPECT_EQ(calls(*redis, "zadd"), 1) << "the late decision was admitted";
  EXPECT_EQ(redis->command({"ZCARD", kKey}), "0") << "and its unit given back";
}

}  // namespace
}  // namespace gateway::testing
