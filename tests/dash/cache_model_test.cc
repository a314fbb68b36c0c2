// CacheModel fed literal snapshots (the "cache" and "aggregate" sections as cache_stampede's
// and user_dashboard's gwsim --policy-state write them) and the aggregation route's
// requests: per-second counter deltas in the second each snapshot closes, entries and bytes
// against the limits, a restarted counter, an attached source's first snapshot as a baseline
// only, parts' statuses and latency, the route's status classes and percentiles.
#include <gtest/gtest.h>

#include "libgateway/config/config_loader.h"
#include "sim/scenario/scenario.h"
#include "tools/gwdash/model/cache_model.h"

namespace gwdash {
namespace {

using nlohmann::json;

std::shared_ptr<const gateway::Config> cacheTestConfig() {
  const json doc = json::parse(R"({
    "services": [
      {"name": "catalog", "instances": [{"id": "catalog-1", "address": "127.0.0.1:9101"}]},
      {"name": "users", "instances": [{"id": "users-1", "address": "127.0.0.1:9221"}]},
      {"name": "recommendations", "instances": [{"id": "recommendations-1", "address": "127.0.0.1:9223"}]}],
    "routes": [
      {"name": "product", "match": {"prefix": "/api/products"}, "service": "catalog", "cache": {"ttl_s": 5}},
      {"name": "user-dashboard", "match": {"template": "/api/user-dashboard/{id}", "methods": ["GET"]},
       "aggregate": {"parts": [{"name": "user", "service": "users", "path": "/users/{id}", "merge": true},
                               {"name": "recs", "service": "recommendations", "path": "/recommendations?userId={id}",
                                "group": "recommended"}]}}]
  })");
  const gateway::ConfigLoad load = gateway::loadConfigJson(doc);
  EXPECT_TRUE(load.ok()) << load.errors.text();
  return load.config;
}

json cacheCounters(std::uint64_t hits, std::uint64_t misses, std::uint64_t stale, std::uint64_t coalesced,
                   std::uint64_t entries, std::uint64_t bytes) {
  return {{"bypass", 0},        {"bytes", bytes},       {"coalesced", coalesced}, {"entries", entries},
          {"evictions", 0},     {"expired", 0},         {"fills_in_flight", 0},   {"hits", hits},
          {"max_bytes", 67108864}, {"max_entries", 100000}, {"misses", misses},   {"purged", 0},
          {"refreshes", 0},     {"stale_served", stale}, {"stores", misses}};
}

json partCounters(std::uint64_t ok, std::uint64_t fivexx, double latencyMsSum) {
  return {{"4xx", 0}, {"5xx", fivexx}, {"bad_response", 0}, {"calls", ok + fivexx}, {"circuit_open", 0},
          {"latency_ms_sum", latencyMsSum}, {"ok", ok}, {"rate_limited", 0}, {"skipped", 0}, {"timeout", 0}};
}

json cacheSnapshot(json product, std::uint64_t complete, std::uint64_t partial, json user, json recs) {
  return {{"cache", {{"routes", {{"product", product}}}, {"totals", product}}},
          {"aggregate",
           {{"routes",
             {{"user-dashboard",
               {{"complete", complete}, {"partial", partial}, {"failed", 0},
                {"parts", {{"user", std::move(user)}, {"recs", std::move(recs)}}}}}}},
            {"totals", {{"complete", complete}, {"partial", partial}, {"failed", 0}}}}}};
}

RequestRecord dashboardRecord(gateway::TimePoint endMs, int status, int latencyMs) {
  RequestRecord r;
  r.route = "user-dashboard";
  r.end = gateway::millis(endMs);
  r.start = r.end - gateway::millis(latencyMs);
  r.status = status;
  return r;
}

class CacheModelTest : public ::testing::Test {
 protected:
  CacheModelTest() {
    context.config = cacheTestConfig();
    context.scenario = &scenario;
  }
  gwsim::Scenario scenario;
  DashboardContext context;
};

TEST_F(CacheModelTest, CountersBecomePerSecondDeltas) {
  CacheModel m;
  m.reset(context);
  const json parts = partCounters(0, 0, 0);
  // Second 0: snapshots at 0.5 s and 1.0 s (the one at 1.0 s closes second 0); second 1: 1.5 s.
  m.onSnapshot(gateway::millis(500), cacheSnapshot(cacheCounters(10, 1, 0, 4, 1, 4611), 0, 0, parts, parts));
  m.onSnapshot(gateway::millis(1000), cacheSnapshot(cacheCounters(30, 1, 0, 9, 1, 4611), 0, 0, parts, parts));
  m.onSnapshot(gateway::millis(1500), cacheSnapshot(cacheCounters(35, 2, 3, 9, 2, 9222), 0, 0, parts, parts));

  ASSERT_EQ(m.cacheRoutes().size(), 1u);
  const CacheRouteView& product = m.cacheRoutes().at("product");
  const CacheSecond* s0 = product.seconds.find(0);
  const CacheSecond* s1 = product.seconds.find(1);
  ASSERT_NE(s0, nullptr);
  ASSERT_NE(s1, nullptr);
  EXPECT_EQ(s0->counts[kCacheHits], 30u);  // a simulated run's counters start at zero
  EXPECT_EQ(s0->counts[kCacheMisses], 1u);
  EXPECT_EQ(s0->counts[kCacheCoalesced], 9u);
  EXPECT_EQ(s1->counts[kCacheHits], 5u);
  EXPECT_EQ(s1->counts[kCacheStale], 3u);
  EXPECT_EQ(s1->entries, 2u);
  EXPECT_EQ(s1->bytes, 9222u);
  EXPECT_EQ(product.maxBytes, 67108864u);
  EXPECT_EQ(product.maxEntries, 100000u);
  EXPECT_EQ(m.totals().total[kCacheHits], 35u);
  EXPECT_NEAR(product.hitShare(), 47.0 / 49.0, 1e-12);

  // A new store (a config change) starts its counters at zero: its count is all new.
  m.onSnapshot(gateway::millis(2500), cacheSnapshot(cacheCounters(4, 1, 0, 0, 1, 100), 0, 0, parts, parts));
  EXPECT_EQ(m.cacheRoutes().at("product").seconds.find(2)->counts[kCacheHits], 4u);
}

TEST_F(CacheModelTest, AttachedSourceTakesTheFirstSnapshotAsBaseline) {
  DashboardContext attached;
  attached.config = context.config;  // no scenario: a live gatewayd whose counters ran before
  CacheModel m;
  m.reset(attached);
  const json parts = partCounters(0, 0, 0);
  m.onSnapshot(gateway::seconds(1000), cacheSnapshot(cacheCounters(23052, 1, 0, 930, 1, 4611), 0, 0, parts, parts));
  m.onSnapshot(gateway::seconds(1001), cacheSnapshot(cacheCounters(23152, 1, 0, 930, 1, 4611), 0, 0, parts, parts));
  const CacheRouteView& product = m.cacheRoutes().at("product");
  EXPECT_EQ(product.seconds.find(999)->counts[kCacheHits], 0u);
  EXPECT_EQ(product.seconds.find(1000)->counts[kCacheHits], 100u);
}

TEST_F(CacheModelTest, AggregationPartsAndRequests) {
  CacheModel m;
  m.reset(context);
  const auto& routes = m.aggregateRoutes();
  ASSERT_EQ(routes.size(), 1u);  // from the config, before any snapshot
  ASSERT_EQ(routes.at("user-dashboard").parts.size(), 2u);
  EXPECT_EQ(routes.at("user-dashboard").parts[1].service, "recommendations");

  m.onRequest(dashboardRecord(200, 200, 20));
  m.onRequest(dashboardRecord(400, 200, 40));
  m.onRequest(dashboardRecord(900, 502, 600));
  m.onSnapshot(gateway::millis(1000), cacheSnapshot(cacheCounters(0, 0, 0, 0, 0, 0), 2, 1, partCounters(3, 0, 30.0),
                                                    partCounters(2, 1, 45.0)));
  m.onRequest(dashboardRecord(1500, 200, 30));
  m.onSnapshot(gateway::millis(2000), cacheSnapshot(cacheCounters(0, 0, 0, 0, 0, 0), 3, 1, partCounters(4, 0, 42.0),
                                                    partCounters(2, 2, 75.0)));

  const AggregateRouteView& r = m.aggregateRoutes().at("user-dashboard");
  EXPECT_EQ(r.answers[0], 3u);
  EXPECT_EQ(r.answers[1], 1u);
  const AggregateSecond* s0 = r.seconds.find(0);
  ASSERT_NE(s0, nullptr);
  EXPECT_EQ(s0->answers[0], 2u);
  EXPECT_EQ(s0->answers[1], 1u);
  EXPECT_EQ(s0->statuses[0], 2u);  // 2xx
  EXPECT_EQ(s0->statuses[2], 1u);  // 5xx
  EXPECT_DOUBLE_EQ(s0->latencyMsSum, 660.0);
  EXPECT_EQ(r.seconds.find(1)->answers[0], 1u);
  EXPECT_DOUBLE_EQ(r.p50Ms, 30.0);
  EXPECT_DOUBLE_EQ(r.p99Ms, 600.0);

  const AggregatePartView& recs = r.parts[1];
  EXPECT_EQ(recs.total.calls, 4u);
  EXPECT_EQ(recs.total.statuses[2], 2u);  // 5xx
  EXPECT_DOUBLE_EQ(recs.seconds.find(0)->meanLatencyMs(), 15.0);
  EXPECT_EQ(recs.seconds.find(1)->calls, 1u);
  EXPECT_DOUBLE_EQ(recs.seconds.find(1)->meanLatencyMs(), 30.0);
  EXPECT_EQ(recs.seconds.find(1)->statuses[2], 1u);
}

TEST_F(CacheModelTest, DigestFollowsTheFeed) {
  auto feed = [&](CacheModel& m, std::uint64_t hitsPerTick) {
    m.reset(context);
    const json parts = partCounters(0, 0, 0);
    for (std::uint64_t t = 1; t <= 25; ++t) {
      m.onSnapshot(gateway::millis(100 * static_cast<std::int64_t>(t)),
                   cacheSnapshot(cacheCounters(hitsPerTick * t, 1, 0, 0, 1, 10), 0, 0, parts, parts));
    }
  };
  CacheModel a, b, c;
  feed(a, 5);
  feed(b, 5);
  feed(c, 6);
  EXPECT_EQ(a.digest(), b.digest());
  EXPECT_NE(a.digest(), c.digest());
}

}  // namespace
}  // namespace gwdash
