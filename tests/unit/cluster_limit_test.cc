// Cluster-scoped rate limits in the pipeline, on a manual clock with an in-memory cluster store:
// a request waits for the store's decision, two gateways share one quota, on_failure
// (fail_open, fail_closed, local_fallback) when the store is down, the probe schedule and the
// logged transitions, concurrency units given back in the store, the sync mode's local
// decisions and reported counts, and the config's errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libgateway/pipeline/cluster_limit.h"
#include "libgateway/pipeline/stage_list.h"
#include "libgateway/ratelimit/memory_cluster_store.h"
#include "tests/unit/test_support.h"

namespace gateway {
namespace {

using testing::GatewayHarness;
using testing::makeRequest;
using testing::mustLoad;

nlohmann::json clusterConfig(const nlohmann::json& tier, const nlohmann::json& cluster) {
  nlohmann::json c = nlohmann::json::parse(R"({
    "services": [{"name": "svc", "instances": ["127.0.0.1:9001"], "timeout_ms": 1000}],
    "routes": [{"name": "a", "match": {"prefix": "/a"}, "service": "svc", "rate_limit": {"per_consumer": true}}],
    "consumers": [{"id": "alice", "tier": "free", "api_keys": ["alice-key-0001"]}],
    "rate_limits": {"scope": "cluster"}
  })");
  c["rate_limits"]["tiers"]["free"] = tier;
  c["rate_limits"]["cluster"] = cluster;
  return c;
}

nlohmann::json bucket(int rate, int burst) { return {{"algorithm", "token_bucket"}, {"rate", rate}, {"burst", burst}}; }

struct ClusterHarness : GatewayHarness {
  ClusterHarness(const nlohmann::json& config, ClusterStore* store) : GatewayHarness(mustLoad(config)) {
    env.clusterStore = store;
    installStandardStages(gateway, shared, env);
  }
  // Starts a request as alice.
  std::shared_ptr<std::optional<Response>> send() {
    Headers h;
    h.set("X-API-Key", "alice-key-0001");
    return start(makeRequest("GET", "/a", h));
  }
};

// One or more gateways and the cluster store they share, on clocks that move together (the
// store answers through the first harness's scheduler).
struct Cluster {
  explicit Cluster(const nlohmann::json& config, int gateways = 1) : timeline(mustLoad(config)), store(timeline.scheduler, timeline.clock) {
    for (int i = 0; i < gateways; ++i) members.push_back(std::make_unique<ClusterHarness>(config, &store));
  }
  ClusterHarness& operator[](std::size_t i) { return *members[i]; }
  void advance(Duration d) {
    timeline.clock.advance(d);
    for (auto& m : members) m->clock.advance(d);
  }
  // Fires what is due now and answers every upstream call 200, until nothing moves.
  void settle() {
    for (int i = 0; i < 100; ++i) {
      std::size_t moved = timeline.runDue();
      for (auto& m : members) {
        moved += m->runDue();
        while (!m->transport.sends.empty()) {
          m->transport.respond(200);
          ++moved;
        }
      }
      if (moved == 0) return;
    }
  }
  // One request through gateway `i`, time moving on to the store's answers as needed.
  Response call(std::size_t i = 0) {
    auto slot = members[i]->send();
    settle();
    for (int k = 0; k < 10 && !slot->has_value() && timeline.scheduler.nextTime() != kNever; ++k) {
      advance(timeline.scheduler.nextTime() - timeline.clock.now());
      settle();
    }
    EXPECT_TRUE(slot->has_value());
    return slot->value_or(Response{});
  }
  // Of `calls` requests through gateway `i`, `gap` apart (each gap's timers fired), how many
  // were admitted.
  int admittedWithin(std::size_t i, int calls, Duration gap) {
    int admitted = 0;
    for (int k = 0; k < calls; ++k) {
      admitted += call(i).status == 200;
      advance(gap);
      settle();
    }
    return admitted;
  }
  GatewayHarness timeline;
  MemoryClusterStore store;
  std::vector<std::unique_ptr<ClusterHarness>> members;
};

const nlohmann::json kRedis = {{"redis", {"127.0.0.1:6379"}}};

// A fixed window of 10 per minute in sync mode, counts sent every 100 ms.
nlohmann::json syncWindowConfig() {
  return clusterConfig({{"algorithm", "fixed_window"}, {"limit", 10}, {"window_ms", 60000}},
                       {{"redis", {"127.0.0.1:6379"}}, {"mode", "sync"}, {"sync_interval_ms", 100}});
}

TEST(ClusterLimit, ARequestWaitsForTheStoreAndThenGetsItsDecision) {
  Cluster c(clusterConfig(bucket(1, 2), kRedis));
  c.store.setLatency(millis(2));
  auto slot = c[0].send();
  c.settle();
  EXPECT_FALSE(slot->has_value()) << "answered before the store did";
  EXPECT_TRUE(c[0].transport.sends.empty());
  c.advance(millis(2));
  c.settle();
  ASSERT_TRUE(slot->has_value());
  EXPECT_EQ((*slot)->status, 200);
  EXPECT_EQ((*slot)->headers.get("RateLimit"), "\"free\";r=1;t=1");
  EXPECT_EQ(c.call().status, 200);
  const Response denied = c.call();
  EXPECT_EQ(denied.status, 429);
  EXPECT_EQ(denied.headers.get("Retry-After"), "1");
  EXPECT_EQ(c.store.stats().decisions, 3);
  EXPECT_EQ(c[0].shared.limiters().clusterHealth()->stats().sent, 3);
}

TEST(ClusterLimit, TwoGatewaysShareOneQuota) {
  Cluster c(clusterConfig(bucket(1, 5), kRedis), 2);
  int admitted = 0;
  for (int i = 0; i < 10; ++i) admitted += c.call(i % 2).status == 200;
  EXPECT_EQ(admitted, 5) << "the burst is shared, not 5 per gateway";
}

struct DownStore : ::testing::Test {
  Response callWith(const std::string& onFailure, int calls, std::vector<int>& statuses, int instances = 1) {
    Cluster c(clusterConfig({{"algorithm", "fixed_window"}, {"limit", 4}, {"window_ms", 60000}},
                            {{"redis", {"127.0.0.1:6379"}}, {"on_failure", onFailure}, {"instances", instances}}));
    c.store.setDown(true, true);
    Response last;
    for (int i = 0; i < calls; ++i) {
      last = c.call();
      statuses.push_back(last.status);
    }
    const auto health = c[0].shared.limiters().clusterHealth()->stats();
    EXPECT_FALSE(health.up);
    EXPECT_EQ(health.failOpen + health.failClosed + health.fallback, calls);
    return last;
  }
};

TEST_F(DownStore, FailOpenAdmitsEverythingAndTellsNoCount) {
  std::vector<int> statuses;
  const Response r = callWith("fail_open", 6, statuses);
  EXPECT_EQ(statuses, std::vector<int>(6, 200));
  EXPECT_TRUE(r.headers.get("RateLimit").empty()) << "no count is known";
}

TEST_F(DownStore, FailClosedAnswers503) {
  std::vector<int> statuses;
  const Response r = callWith("fail_closed", 2, statuses);
  EXPECT_EQ(statuses, std::vector<int>(2, 503));
  EXPECT_EQ(r.headers.get("Retry-After"), "1");
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"]["code"], "rate_limit_unavailable");
}

TEST_F(DownStore, LocalFallbackEnforcesTheInstancesShare) {
  std::vector<int> statuses;
  callWith("local_fallback", 4, statuses, 2);
  EXPECT_EQ(statuses, (std::vector<int>{200, 200, 429, 429})) << "limit 4 over 2 instances: 2 each";
}

TEST(ClusterLimit, ADownStoreIsProbedOncePerRetryIntervalAndItsReturnIsLoggedOnce) {
  Cluster c(clusterConfig(bucket(100, 100), {{"redis", {"127.0.0.1:6379"}}, {"retry_interval_ms", 1000}}));
  c.store.setTimeout(millis(50));
  c.store.setDown(true);
  std::vector<std::string> log;
  c[0].shared.limiters().clusterHealth()->setLog([&log](std::string_view line) { log.emplace_back(line); });
  EXPECT_EQ(c.call().status, 200) << "local_fallback by default, after the store's timeout";
  EXPECT_EQ(c.timeline.clock.now(), seconds(1) + millis(50));
  // Within the interval nothing waits for the store again: answered with no time passing.
  const TimePoint before = c.timeline.clock.now();
  for (int i = 0; i < 5; ++i) EXPECT_EQ(c.call().status, 200);
  EXPECT_EQ(c.timeline.clock.now(), before);
  EXPECT_EQ(c.store.stats().failed, 1);
  EXPECT_EQ(c[0].shared.limiters().clusterHealth()->stats().skipped, 5);
  c.store.setDown(false);
  c.advance(seconds(1));
  EXPECT_EQ(c.call().status, 200);
  EXPECT_EQ(c.store.stats().decisions, 1) << "the probe went to the store";
  EXPECT_EQ(c.call().status, 200);
  EXPECT_EQ(c.store.stats().decisions, 2) << "and everything after it";
  ASSERT_EQ(log.size(), 2u);
  EXPECT_NE(log[0].find("does not answer (timeout)"), std::string::npos) << log[0];
  EXPECT_NE(log[1].find("answers again"), std::string::npos) << log[1];
}

TEST(ClusterLimit, AConcurrencyUnitIsGivenBackInTheStore) {
  Cluster c(clusterConfig({{"algorithm", "concurrency"}, {"limit", 1}}, kRedis));
  auto first = c[0].send();
  c.timeline.runDue();
  c[0].runDue();
  ASSERT_EQ(c[0].transport.sends.size(), 1u);  // in flight upstream, holding the unit
  auto second = c[0].send();
  c.timeline.runDue();
  c[0].runDue();
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->status, 429);
  c[0].transport.respond(200);
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->status, 200);
  EXPECT_EQ(c.call().status, 200) << "the unit came back";
}

// A gateway that never gives its unit back (it died mid-request): the unit leaves the store
// when its own lease ends, and the holder's late release gives back nothing of the others'.
TEST(ClusterLimit, AConcurrencyUnitNeverGivenBackLeavesWhenItsLeaseEnds) {
  nlohmann::json cluster = kRedis;
  cluster["concurrency_lease_ms"] = 1000;
  Cluster c(clusterConfig({{"algorithm", "concurrency"}, {"limit", 1}}, cluster), 2);
  const auto start = [&](std::size_t g) {
    auto slot = c[g].send();
    c.timeline.runDue();
    c[g].runDue();
    return slot;
  };
  auto stuck = start(0);
  ASSERT_EQ(c[0].transport.sends.size(), 1u);  // holds the unit, and never answers
  c.advance(millis(999));
  auto denied = start(1);
  ASSERT_TRUE(denied->has_value());
  EXPECT_EQ((*denied)->status, 429);
  c.advance(millis(1));
  auto admitted = start(1);
  EXPECT_FALSE(admitted->has_value());
  ASSERT_EQ(c[1].transport.sends.size(), 1u) << "the stuck unit's lease ended";
  c[0].transport.respond(200);  // the stuck one ends after all: it gives back nothing of b's
  EXPECT_EQ((*stuck)->status, 200);
  auto full = start(0);
  ASSERT_TRUE(full->has_value());
  EXPECT_EQ((*full)->status, 429) << "b's unit is still held";
  c[1].transport.respond(200);
  EXPECT_EQ((*admitted)->status, 200);
  EXPECT_EQ(c.call(0).status, 200);
}

TEST(ClusterLimit, SyncModeDecidesLocallyAndAddsItsCountsUpInTheStore) {
  Cluster c(syncWindowConfig(), 2);
  c.store.setLatency(millis(1));
  // No request waits for the store.
  auto slot = c[0].send();
  EXPECT_EQ(c[0].transport.sends.size(), 1u) << "decided without a round trip";
  c[0].transport.respond(200);
  EXPECT_EQ((*slot)->status, 200);
  c.advance(millis(1));
  c.settle();  // a's first count reached the store
  for (int i = 0; i < 6; ++i) EXPECT_EQ(c.call(0).status, 200);
  c.advance(millis(100));
  EXPECT_EQ(c.call(0).status, 200);  // sends a's 7 since the first
  c.advance(millis(1));
  c.settle();
  EXPECT_EQ(c.store.stats().windowAdds, 2);
  // b learns the cluster's 8 with its first count, and admits only what is left.
  const int admitted = c.admittedWithin(1, 5, millis(1));
  EXPECT_EQ(admitted, 2) << "8 admitted by a, limit 10";
}

TEST(ClusterLimit, SyncModeNumbersWindowsOnTheUnixClockSoHostsWithOtherClocksShareThem) {
  Cluster c(syncWindowConfig(), 2);
  // b's steady clock started 500 s earlier than a's (another host, booted earlier); both agree
  // on the Unix time.
  c[1].clock.advance(seconds(500));
  c[1].shared.setUnixTimeOffset(-seconds(500));
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(c.call(0).status, 200);
    c.advance(millis(101));  // each count goes out
    c.settle();
  }
  const int admitted = c.admittedWithin(1, 5, millis(1));
  EXPECT_EQ(admitted, 2) << "b counts in a's window: 8 admitted there, limit 10";
}

TEST(ClusterLimit, ConfigErrorsNameTheField) {
  auto errorsOf = [](const nlohmann::json& doc) { return loadConfigJson(doc).errors.text(); };
  auto noCluster = clusterConfig(bucket(1, 2), kRedis);
  noCluster["rate_limits"].erase("cluster");
  EXPECT_NE(errorsOf(noCluster).find("/rate_limits/cluster: required when a limit's scope is \"cluster\""), std::string::npos)
      << errorsOf(noCluster);
  const std::string sync = errorsOf(clusterConfig(bucket(1, 2), {{"redis", {"127.0.0.1:6379"}}, {"mode", "sync"}}));
  EXPECT_NE(sync.find("/rate_limits/tiers/free: cluster mode \"sync\" counts fixed windows"), std::string::npos) << sync;
  const std::string leaky = errorsOf(clusterConfig({{"algorithm", "leaky_bucket"}, {"rate", 1}, {"burst", 2}}, kRedis));
  EXPECT_NE(leaky.find("/rate_limits/tiers/free: cluster scope: leaky_bucket"), std::string::npos) << leaky;
  const std::string address = errorsOf(clusterConfig(bucket(1, 2), {{"redis", {"127.0.0.1"}}}));
  EXPECT_NE(address.find("/rate_limits/cluster/redis/0"), std::string::npos) << address;
  const std::string prefix = errorsOf(clusterConfig(bucket(1, 2), {{"redis", {"127.0.0.1:1"}}, {"key_prefix", "a{b"}}));
  EXPECT_NE(prefix.find("/rate_limits/cluster/key_prefix"), std::string::npos) << prefix;
  auto instanceScoped = clusterConfig(bucket(1, 2), kRedis);
  instanceScoped["rate_limits"]["tiers"]["free"]["scope"] = "instance";
  EXPECT_TRUE(loadConfigJson(instanceScoped).ok()) << "a policy may stay per instance";
}

// Redis AUTH: a password, or the first line of a file beside the config, and an ACL user name.
TEST(ClusterLimit, RedisCredentialsComeFromThePasswordOrItsFile) {
  const std::string fixtures = std::string(GATEWAY_SOURCE_DIR) + "/tests/fixtures";
  const auto load = [&](const nlohmann::json& cluster) {
    return loadConfigJson(clusterConfig(bucket(1, 2), cluster), "", fixtures);
  };
  const ConfigLoad inline_ = load({{"redis", {"127.0.0.1:1"}}, {"username", "gw"}, {"password", "pw"}});
  ASSERT_TRUE(inline_.ok()) << inline_.errors.text();
  EXPECT_EQ(inline_.config->rateLimits.cluster.username, "gw");
  EXPECT_EQ(inline_.config->rateLimits.cluster.password, "pw");
  const ConfigLoad file = load({{"redis", {"127.0.0.1:1"}}, {"password_file", "redis/password.txt"}});
  ASSERT_TRUE(file.ok()) << file.errors.text();
  EXPECT_EQ(file.config->rateLimits.cluster.password, "f1xture-pass") << "the first line, without its newline";
  EXPECT_EQ(file.config->rateLimits.cluster.username, "");
  const auto errorsOf = [&](const nlohmann::json& cluster) { return load(cluster).errors.text(); };
  const std::string both = errorsOf({{"redis", {"127.0.0.1:1"}}, {"password", "a"}, {"password_file", "redis/password.txt"}});
  EXPECT_NE(both.find("/rate_limits/cluster/password_file: give \"password\" or \"password_file\", not both"), std::string::npos) << both;
  const std::string missing = errorsOf({{"redis", {"127.0.0.1:1"}}, {"password_file", "redis/nope.txt"}});
  EXPECT_NE(missing.find("/rate_limits/cluster/password_file: cannot open"), std::string::npos) << missing;
  const std::string empty = errorsOf({{"redis", {"127.0.0.1:1"}}, {"password_file", "redis/empty-first-line.txt"}});
  EXPECT_NE(empty.find("its first line is empty"), std::string::npos) << empty;
  const std::string user = errorsOf({{"redis", {"127.0.0.1:1"}}, {"username", "gw"}});
  EXPECT_NE(user.find("/rate_limits/cluster/username: needs a \"password\""), std::string::npos) << user;
  const std::string blank = errorsOf({{"redis", {"127.0.0.1:1"}}, {"password", ""}});
  EXPECT_NE(blank.find("/rate_limits/cluster/password: must not be empty"), std::string::npos) << blank;
  const std::string spaced = errorsOf({{"redis", {"127.0.0.1:1"}}, {"username", "g w"}, {"password", "x"}});
  EXPECT_NE(spaced.find("/rate_limits/cluster/username: a Redis ACL user name"), std::string::npos) << spaced;
}

TEST(ClusterLimit, KeysCarryAHashTagAndNoConsumerId) {
  LimiterSpec spec;
  spec.algorithm = LimiterAlgorithm::kFixedWindow;
  spec.limit = 10;
  spec.window = seconds(1);
  ClusterLimit limit;
  limit.keyPrefix = clusterKeyPrefix("gw:rl:", "tier:free", spec);
  std::string key;
  clusterKey(limit, "c:alice", key);
  EXPECT_TRUE(key.starts_with("gw:rl:v2:{tier:free:")) << key;
  EXPECT_EQ(key.back(), '}');
  EXPECT_EQ(key.find("alice"), std::string::npos);
  std::string other;
  spec.limit = 11;
  limit.keyPrefix = clusterKeyPrefix("gw:rl:", "tier:free", spec);
  clusterKey(limit, "c:alice", other);
  EXPECT_NE(key, other) << "a changed policy starts afresh";
  EXPECT_EQ(instanceShare(spec, 4).limit, 2);
  EXPECT_EQ(instanceShare(spec, 20).limit, 1) << "never zero";
}

}  // namespace
}  // namespace gateway

namespace gateway {
namespace {

TEST(ClusterLimit, TheShippedClusterExampleLoadsWithItsScopes) {
  const ConfigLoad load = loadConfigFile(std::string(GATEWAY_SOURCE_DIR) + "/tools/gatewayd/example-cluster.json");
  ASSERT_TRUE(load.ok()) << load.errors.text();
  const RateLimitsConfig& rl = load.config->rateLimits;
  EXPECT_TRUE(rl.tiers.at("team").cluster);
  EXPECT_TRUE(rl.policies.at("users-global").cluster);
  EXPECT_FALSE(rl.policies.at("users-inflight").cluster) << "a policy's own scope wins";
  EXPECT_EQ(rl.cluster.instances, 2);
  EXPECT_EQ(rl.cluster.onFailure, ClusterLimitFailure::kLocalFallback);
}

}  // namespace
}  // namespace gateway
