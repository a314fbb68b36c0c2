// Cluster-wide rate limits with real redis-server processes: two gatewayd instances under 100
// concurrent clients admit no more than the limit (exact mode) and the sync mode's overshoot
// is measured; Redis killed mid-run and started again, under each on_failure; and a 3-master
// Redis Cluster whose slot moves (ASK, then MOVED) while the gateway serves.
#include <atomic>
#include <chrono>
#include <map>
#include <thread>
#include <vector>

#include "libgateway/pipeline/cluster_limit.h"
#include "tests/integration/redis_servers.h"
#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;

struct Counts {
  std::atomic<int> ok{0}, limited{0}, unavailable{0}, other{0};
};

class ClusterLimitTest : public StackTest {
 protected:
  // The users route limited by one cluster-scoped policy, keyed by route (one shared key).
  json clusterGateway(const json& policy, const std::vector<std::string>& redis, const json& extra = json::object()) {
    json config = standardGateway();
    json cluster = {{"redis", redis}, {"timeout_ms", 200}};
    cluster.update(extra);
    config["rate_limits"] = {{"scope", "cluster"}, {"policies", {{"global", policy}}}, {"cluster", cluster}};
    config["routes"][0]["rate_limit"] = {{"policies", json::array({"global"})}};
    return config;
  }
  void startSecond(const json& config) {
    std::string error;
    ASSERT_TRUE(second_.startGateway(config, error, {"--threads", "2"})) << error;
  }
  // `clients` threads, each with its own connection to gateway (c % gateways), `each` requests.
  void load(Counts& counts, int clients, int each, int gateways) {
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        std::string error;
        auto conn = HttpConnection::open(c % gateways ? second_.gateway() : stack_.gateway(), error);
        for (int i = 0; i < each; ++i) {
          auto r = conn ? conn->request("GET", "/api/users/" + std::to_string(i + 1)) : std::nullopt;
          if (!r) {
            counts.other += each - i;
            return;
          }
          (r->status == 200 ? counts.ok : r->status == 429 ? counts.limited : r->status == 503 ? counts.unavailable : counts.other)++;
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  int status() { return get("/api/users/1").status; }
  json clusterStats(const std::string& admin) { return json::parse(fetch(admin, "GET", "/stats").body)["policies"]["cluster_limits"]; }

  GatewayStack second_;
};

json bucket(int burst) { return {{"algorithm", "token_bucket"}, {"rate", 0.001}, {"burst", burst}, {"key", "route"}}; }

TEST_F(ClusterLimitTest, TwoGatewaysUnderAHundredClientsAdmitExactlyTheLimit) {
  std::string error;
  auto redis = RedisServer::start(error);
  ASSERT_TRUE(redis) << error;
  const json config = clusterGateway(bucket(150), {redis->address()});
  startGateway(config, {"--threads", "2"});
  startSecond(config);
  Counts counts;
  load(counts, 100, 5, 2);
  EXPECT_EQ(counts.ok.load(), 150) << "two gateways, one limit of 150";
  EXPECT_EQ(counts.limited.load(), 350);
  EXPECT_EQ(counts.other.load() + counts.unavailable.load(), 0);
  const json a = clusterStats(stack_.admin()), b = clusterStats(second_.admin());
  EXPECT_EQ(a["sent"].get<int>() + b["sent"].get<int>(), 500) << a.dump() << b.dump();
  EXPECT_EQ(a["failed"].get<int>() + b["failed"].get<int>(), 0);
}

TEST_F(ClusterLimitTest, SyncModeOvershootIsMeasured) {
  std::string error;
  auto redis = RedisServer::start(error);
  ASSERT_TRUE(redis) << error;
  // A fixed window that no boundary crosses during the test: 1 hour, or 1 hour - 1 s.
  const auto unixMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  const std::int64_t window = unixMs % 3'600'000 < 3'590'000 ? 3'600'000 : 3'599'000;
  const json config = clusterGateway({{"algorithm", "fixed_window"}, {"limit", 150}, {"window_ms", window}, {"key", "route"}},
                                     {redis->address()}, {{"mode", "sync"}, {"sync_interval_ms", 20}});
  startGateway(config, {"--threads", "2"});
  startSecond(config);
  Counts counts;
  load(counts, 100, 5, 2);
  const int overshoot = counts.ok.load() - 150;
  RecordProperty("sync_overshoot", overshoot);
  std::printf("sync mode, 2 gateways, 100 clients, limit 150, sync 20 ms: admitted %d (overshoot %d)\n", counts.ok.load(),
              overshoot);
  EXPECT_GE(overshoot, 0) << "a window's count never undershoots";
  // Without sharing each gateway would admit its own 150 (overshoot exactly 150); shared, each
  // sees the other's counts within an interval or so.
  EXPECT_LT(overshoot, 150) << "the two gateways did not add their counts up";
  EXPECT_EQ(counts.ok.load() + counts.limited.load(), 500);
  // Redis has the whole window's count once the last counts went out.
  const std::string count = redis->command({"KEYS", "gw:rl:*"});
  EXPECT_FALSE(count.empty());
}

// A reload that names another Redis moves every worker's decisions there (the old one's
// counts stay behind); one that adds a Redis to a gateway started without any reaches it too.
TEST_F(ClusterLimitTest, AReloadThatMovesTheRedisMovesTheDecisions) {
  std::string error;
  auto first = RedisServer::start(error);
  ASSERT_TRUE(first) << error;
  auto second = RedisServer::start(error);
  ASSERT_TRUE(second) << error;
  json config = clusterGateway(bucket(3), {first->address()});
  startGateway(config);
  std::map<int, int> before;
  for (int i = 0; i < 5; ++i) ++before[status()];
  EXPECT_EQ(before[200], 3);
  EXPECT_EQ(before[429], 2);
  ASSERT_EQ(second->command({"DBSIZE"}), "0");
  config["rate_limits"]["cluster"]["redis"] = {second->address()};
  config["rate_limits"]["cluster"]["timeout_ms"] = 300;
  stack_.writeGatewayConfig(config);
  const HttpReply r = fetch(stack_.admin(), "POST", "/reload");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(json::parse(r.body)["warnings"].empty()) << r.body;
  // The second Redis starts with a full bucket: 3 more, whichever worker answers.
  std::map<int, int> after;
  for (int i = 0; i < 8; ++i) ++after[status()];
  EXPECT_EQ(after[200], 3) << "decided in the second Redis";
  EXPECT_EQ(after[429], 5);
  EXPECT_EQ(second->command({"DBSIZE"}), "1");
  EXPECT_EQ(clusterStats(stack_.admin())["failed"].get<int>(), 0);
}

TEST_F(ClusterLimitTest, AReloadCanAddTheRedisToAGatewayStartedWithoutOne) {
  std::string error;
  auto redis = RedisServer::start(error);
  ASSERT_TRUE(redis) << error;
  json config = clusterGateway(bucket(3), {redis->address()});
  json local = config;  // the same limit per instance, no cluster section at all
  local["rate_limits"]["scope"] = "instance";
  local["rate_limits"].erase("cluster");
  startGateway(local);
  EXPECT_FALSE(json::parse(fetch(stack_.admin(), "GET", "/stats").body)["policies"].contains("cluster_limits"));
  stack_.writeGatewayConfig(config);
  const HttpReply r = fetch(stack_.admin(), "POST", "/reload");
  ASSERT_EQ(r.status, 200) << r.body;
  std::map<int, int> got;
  for (int i = 0; i < 6; ++i) ++got[status()];
  EXPECT_EQ(got[200], 3);
  EXPECT_EQ(got[429], 3);
  EXPECT_EQ(redis->command({"DBSIZE"}), "1") << "decided in Redis";
  // The store's state and metrics appear with it.
  const json stats = clusterStats(stack_.admin());
  EXPECT_TRUE(stats["up"].get<bool>()) << stats.dump();
  EXPECT_GE(stats["sent"].get<int>(), 6);
  EXPECT_NE(fetch(stack_.admin(), "GET", "/metrics").body.find("gateway_cluster_limits_sent_total"), std::string::npos);
}

// A reload through split mode (no Redis) and back with other credentials: the workers' clients
// take the credentials they were last given into account, not the running config's.
TEST_F(ClusterLimitTest, CredentialsChangedThroughSplitModeAreApplied) {
  std::string error;
  auto redis = RedisServer::start(error);
  ASSERT_TRUE(redis) << error;
  ASSERT_EQ(redis->command({"ACL", "SETUSER", "gw", "on", ">first-pass", ">second-pass", "~*", "&*", "+@all"}), "OK");
  json config = clusterGateway(bucket(100), {redis->address()},
                               {{"username", "gw"}, {"password", "first-pass"}, {"on_failure", "fail_closed"}});
  startGateway(config);
  ASSERT_EQ(status(), 200);
  const auto reloadWith = [&](const char* mode, const char* password) {
    config["rate_limits"]["cluster"]["mode"] = mode;
    config["rate_limits"]["cluster"]["password"] = password;
    stack_.writeGatewayConfig(config);
    const HttpReply r = fetch(stack_.admin(), "POST", "/reload");
    ASSERT_EQ(r.status, 200) << r.body;
  };
  reloadWith("split", "second-pass");
  reloadWith("exact", "second-pass");
  // Only the second password works from now on, and every connection must log in again.
  ASSERT_EQ(redis->command({"ACL", "SETUSER", "gw", "<first-pass"}), "OK");
  redis->command({"CLIENT", "KILL", "USER", "gw"});
  for (int i = 0; i < 4; ++i) EXPECT_EQ(status(), 200) << "the workers log in with the second password";
}

// Redis with ACL users only: the gateway authenticates as its own user (the password shown
// redacted by /config); a wrong password is a store that refuses, reported in Redis's own
// words, and on_failure decides.
TEST_F(ClusterLimitTest, TheGatewayAuthenticatesToRedis) {
  std::string error;
  auto redis = RedisServer::start(error);
  ASSERT_TRUE(redis) << error;
  // A password that starts with '*' (RESP's array marker) is one argument like any other.
  ASSERT_EQ(redis->command({"ACL", "SETUSER", "gw", "on", ">*gw-pass", "~*", "&*", "+@all"}), "OK");
  ASSERT_EQ(redis->command({"ACL", "SETUSER", "default", "off"}), "OK");  // no command without a user from now on
  ASSERT_NE(redis->command({"PING"}), "PONG");
  json config = clusterGateway(bucket(3), {redis->address()},
                               {{"username", "gw"}, {"password", "*gw-pass"}, {"on_failure", "fail_closed"}});
  startGateway(config);
  std::map<int, int> got;
  for (int i = 0; i < 5; ++i) ++got[status()];
  EXPECT_EQ(got[200], 3);
  EXPECT_EQ(got[429], 2);
  EXPECT_EQ(clusterStats(stack_.admin())["failed"].get<int>(), 0);
  const json shown = json::parse(fetch(stack_.admin(), "GET", "/config").body);
  EXPECT_EQ(shown["config"]["rate_limits"]["cluster"]["password"], "(redacted)");
  EXPECT_EQ(shown["config"]["rate_limits"]["cluster"]["username"], "gw");

  config["rate_limits"]["cluster"]["password"] = "wrong-pass";
  stack_.writeGatewayConfig(config);
  const HttpReply r = fetch(stack_.admin(), "POST", "/reload");
  ASSERT_EQ(r.status, 200) << r.body;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(status(), 503) << "fail_closed: the store refuses";
  EXPECT_GT(clusterStats(stack_.admin())["failed"].get<int>(), 0);
  const std::string log = stack_.gatewayProcess().stderrText();
  EXPECT_NE(log.find("WRONGPASS"), std::string::npos) << log;
  EXPECT_EQ(log.find("gw-pass"), std::string::npos) << "a password never reaches the log";
}

class RedisOutage : public ClusterLimitTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(RedisOutage, EachFailurePolicyBehavesAsDocumentedAndServiceResumes) {
  const std::string policy = GetParam();
  std::string error;
  auto redis = RedisServer::start(error);
  ASSERT_TRUE(redis) << error;
  startGateway(clusterGateway(bucket(10), {redis->address()},
                              {{"on_failure", policy}, {"instances", 2}, {"retry_interval_ms", 100}, {"timeout_ms", 100}}),
               {"--threads", "2"});
  for (int i = 0; i < 4; ++i) ASSERT_EQ(status(), 200);
  redis->stop();
  std::vector<int> during;
  for (int i = 0; i < 8; ++i) during.push_back(status());
  if (policy == "fail_open") {
    EXPECT_EQ(during, std::vector<int>(8, 200));
  } else if (policy == "fail_closed") {
    EXPECT_EQ(during, std::vector<int>(8, 503));
  } else {
    EXPECT_EQ(during, (std::vector<int>{200, 200, 200, 200, 200, 429, 429, 429})) << "burst 10 over 2 instances: 5";
  }
  EXPECT_FALSE(clusterStats(stack_.admin())["up"].get<bool>());
  ASSERT_TRUE(redis->restart(error)) << error;
  // Bounded wait for the next probe (one per 100 ms) to find Redis back.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!clusterStats(stack_.admin())["up"].get<bool>() && std::chrono::steady_clock::now() < until) {
    status();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(clusterStats(stack_.admin())["up"].get<bool>()) << "service did not resume";
  // The restarted Redis kept nothing (no persistence): the limit starts afresh there.
  int ok = 0;
  for (int i = 0; i < 12; ++i) ok += status() == 200;
  EXPECT_EQ(ok, 9) << "10 in Redis' fresh bucket, one taken by the probe";
  EXPECT_TRUE(stack_.gatewayProcess().running());
  const std::string log = stack_.gatewayProcess().stderrText();
  auto occurrences = [&log](const std::string& what) {
    int n = 0;
    for (auto at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(occurrences("cluster store does not answer"), 1) << log;
  EXPECT_EQ(occurrences("cluster store answers again"), 1) << log;
}

INSTANTIATE_TEST_SUITE_P(OnFailure, RedisOutage, ::testing::Values("fail_open", "fail_closed", "local_fallback"));

TEST_F(ClusterLimitTest, ARedisClusterSlotMovesWhileTheGatewayServes) {
  std::string error;
  auto cluster = RedisCluster::start(3, error);
  ASSERT_TRUE(cluster) << error;
  const json policy = bucket(100);
  startGateway(clusterGateway(policy, cluster->addresses()), {"--threads", "2"});
  // The policy's one key (keyed by route) and the slot it lives in.
  LimiterSpec spec;
  spec.algorithm = LimiterAlgorithm::kTokenBucket;
  spec.rateMilli = 1;
  spec.burst = 100;
  ClusterLimit limit;
  limit.keyPrefix = clusterKeyPrefix("gw:rl:", "policy:global", spec);
  std::string key;
  clusterKey(limit, "users\x1f", key);
  const int slot = RedisCluster::slotOf(key);
  const int from = cluster->ownerOf(slot), to = (from + 1) % 3;

  int ok = 0;
  for (int i = 0; i < 30; ++i) ok += status() == 200;
  EXPECT_EQ(ok, 30);
  EXPECT_NE(cluster->node(from).command({"EXISTS", key}), "0") << "the state lives on the slot's owner";
  // Half-way: the key moved, the slot not yet (the old owner answers ASK).
  ASSERT_TRUE(cluster->beginMigration(slot, to, error)) << error;
  ASSERT_TRUE(cluster->moveKeys(slot, error)) << error;
  for (int i = 0; i < 30; ++i) ok += status() == 200;
  EXPECT_EQ(ok, 60);
  ASSERT_TRUE(cluster->finishMigration(slot, error)) << error;
  // Moved: the old owner answers MOVED, the gateway follows it and refreshes its map.
  for (int i = 0; i < 60; ++i) ok += status() == 200;
  EXPECT_EQ(ok, 100) << "the count followed its key across the move";
  const json stats = clusterStats(stack_.admin());
  EXPECT_GE(stats["redirects"]["ask"].get<int>(), 1) << stats.dump();
  EXPECT_GE(stats["redirects"]["moved"].get<int>(), 1) << stats.dump();
  EXPECT_EQ(stats["failed"].get<int>(), 0) << stats.dump();
}

}  // namespace
}  // namespace gateway::testing
