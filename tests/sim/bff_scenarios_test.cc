// The cache, aggregation and transformation scenarios side by side, as `gwsim compare --vary`
// runs them (the same seed and traffic in every row): what each policy changes, checked on
// the rows the scenarios' descriptions suggest.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/commands/variation.h"
#include "sim/engine/simulation.h"
#include "sim/scenario/scenario.h"

namespace gwsim {
namespace {

const std::string kScenarios = std::string(GATEWAY_SOURCE_DIR) + "/scenarios/";

// Every row of `gwsim compare FILE --vary ...`, in order, with its label.
std::vector<std::pair<std::string, RunResult>> compareRows(const std::string& file, const std::vector<std::string>& vary) {
  gateway::FieldErrors errors;
  const auto base = readScenarioDocument(kScenarios + file, errors);
  EXPECT_TRUE(base) << errors.text();
  std::string why;
  const auto plan = base ? planVariants(*base, vary, why) : std::nullopt;
  EXPECT_TRUE(plan) << why;
  std::vector<std::pair<std::string, RunResult>> rows;
  if (!plan) return rows;
  for (const auto& v : plan->variants) {
    auto load = loadScenarioJson(v.document, kScenarios);
    EXPECT_TRUE(load.ok()) << v.label << ": " << load.errors.text();
    if (!load.ok()) continue;
    rows.emplace_back(v.label, runScenario(*load.scenario, RunOptions{}));
  }
  return rows;
}

double metricOf(const RunResult& r, const std::string& name, const std::map<std::string, std::string>& labels = {}) {
  const auto v = r.metric(name, labels);
  EXPECT_TRUE(v.has_value()) << name;
  return v.value_or(-1);
}

TEST(BffScenariosTest, CoalescingMakesEveryStampedeOneFetch) {
  const auto rows = compareRows(
      "cache_stampede.json", {R"(routes.0.cache=null,{"ttl_s":5,"coalesce":false},{"ttl_s":5,"coalesce":true},)"
                              R"({"ttl_s":5,"coalesce":true,"stale_while_revalidate_s":30})"});
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[2].first, R"({"coalesce":true,"ttl_s":5} (as written))");
  const RunResult& none = rows[0].second;
  const RunResult& plain = rows[1].second;
  const RunResult& coalesced = rows[2].second;
  const RunResult& stale = rows[3].second;
  // No cache: every request of a burst is a fetch, and the service sheds the crowd.
  EXPECT_GT(metricOf(none, "fetches_per_stampede"), 1000);
  EXPECT_GT(metricOf(none, "status_5xx"), 1000);
  EXPECT_FALSE(none.metric("cache_hit_ratio", {}).has_value());
  // A cache without coalescing: each miss during the first fill fetches too.
  EXPECT_GT(metricOf(plain, "fetches_per_stampede"), 10);
  EXPECT_EQ(metricOf(plain, "cache_coalesced"), 0);
  EXPECT_EQ(metricOf(plain, "status_5xx"), 0);
  // Coalescing: one fetch per burst, the waiters answered from it, nobody shed.
  EXPECT_EQ(metricOf(coalesced, "fetches_per_stampede"), 1);
  EXPECT_EQ(coalesced.content.stampedeBursts, 6u);
  EXPECT_GT(metricOf(coalesced, "cache_coalesced"), 100);
  EXPECT_EQ(metricOf(coalesced, "upstream_saved"), metricOf(coalesced, "requests") - 6);
  EXPECT_LT(metricOf(coalesced, "p99_ms"), metricOf(plain, "p99_ms"));
  // Stale-while-revalidate: still one fetch per burst (the background refresh), and the
  // crowd is answered at once from the stale copy instead of waiting for a fill.
  EXPECT_EQ(metricOf(stale, "fetches_per_stampede"), 1);
  EXPECT_GT(metricOf(stale, "cache_stale_served"), 100);
  EXPECT_LT(metricOf(stale, "cache_coalesced"), metricOf(coalesced, "cache_coalesced"));
  EXPECT_LT(metricOf(stale, "p99_ms"), metricOf(coalesced, "p99_ms"));
  // The same bodies reach the clients whenever they are answered.
  EXPECT_EQ(coalesced.content.bytesToClients, stale.content.bytesToClients);
}

TEST(BffScenariosTest, HitRatioClimbsWithTheCacheSize) {
  const auto rows = compareRows("zipf_products.json", {"routes.0.cache.max_entries=10,50,100,250,500"});
  ASSERT_EQ(rows.size(), 5u);
  double lastRatio = 0, lastUpstream = 1e18;
  for (const auto& [label, r] : rows) {
    const double ratio = metricOf(r, "cache_hit_ratio");
    const double upstream = metricOf(r, "upstream_requests", {{"service", "products"}});
    EXPECT_GT(ratio, lastRatio) << label;
    EXPECT_LT(upstream, lastUpstream) << label;
    // Every client request was answered by the cache or fetched (misses, expired, coalesced
    // waiters that fetched after all are counted by the service).
    EXPECT_EQ(metricOf(r, "upstream_saved") + upstream, metricOf(r, "requests")) << label;
    lastRatio = ratio;
    lastUpstream = upstream;
  }
  // 50 of 500 products: LRU keeps much of the top of the law (the top 50 hold 66% of it).
  EXPECT_GT(metricOf(rows[1].second, "cache_hit_ratio"), 0.45);
  EXPECT_LT(metricOf(rows[1].second, "cache_hit_ratio"), 0.66);
  // The whole catalog fits: one miss per product, then hits.
  EXPECT_EQ(metricOf(rows[4].second, "upstream_requests"), 500);
  EXPECT_GT(metricOf(rows[4].second, "cache_hit_ratio"), 0.99);
}

TEST(BffScenariosTest, PartialAnswersAgainstFailingTheDashboard) {
  const auto rows = compareRows("user_dashboard.json", {"routes.0.aggregate.partial=allow,fail"});
  ASSERT_EQ(rows.size(), 2u);
  const RunResult& allow = rows[0].second;
  const RunResult& fail = rows[1].second;
  const double partial = metricOf(allow, "partial_answers");
  EXPECT_GT(partial, 4000);  // the 20 s of failing recommendations, and the slow orders
  EXPECT_EQ(metricOf(allow, "status_5xx"), 0);
  EXPECT_EQ(metricOf(allow, "success_rate"), 1);
  // Fail: what allow answered partially is an error now, and nothing is partial.
  EXPECT_EQ(metricOf(fail, "partial_answers"), 0);
  EXPECT_EQ(metricOf(fail, "status_5xx"), partial);
  EXPECT_EQ(metricOf(fail, "status_2xx"), metricOf(allow, "requests") - partial);
  EXPECT_GT(metricOf(fail, "status_504"), 0) << "the orders part's deadline";
  // Every part is a call in both: the policy decides the answer, not the fan-out.
  EXPECT_EQ(allow.content.upstreamRequests, fail.content.upstreamRequests);
  EXPECT_EQ(metricOf(allow, "upstream_requests", {{"service", "recommendations"}}), metricOf(allow, "requests"));
  EXPECT_GT(metricOf(allow, "bytes_to_clients"), metricOf(fail, "bytes_to_clients"));
}

TEST(BffScenariosTest, MobileGetsAFractionOfTheWebsBytes) {
  const auto rows = compareRows("mobile_vs_web.json", {R"(routes.0.transform.profiles.web={},{"compress":{"min_bytes":1024}})"});
  ASSERT_EQ(rows.size(), 2u);
  const RunResult& plain = rows[0].second;
  const RunResult& gzipped = rows[1].second;
  // The same traffic and answers upstream; only what the clients receive differs.
  EXPECT_EQ(plain.content.upstreamRequests, gzipped.content.upstreamRequests);
  const double mobile = metricOf(plain, "mean_body_bytes", {{"group", "mobile"}});
  const double web = metricOf(plain, "mean_body_bytes", {{"group", "web"}});
  EXPECT_LT(mobile * 10, web);
  EXPECT_EQ(metricOf(gzipped, "mean_body_bytes", {{"group", "mobile"}}), mobile);
  const double webGzipped = metricOf(gzipped, "mean_body_bytes", {{"group", "web"}});
  EXPECT_LT(webGzipped * 2, web) << "gzip on the web profile";
  EXPECT_GT(webGzipped, mobile);
}

}  // namespace
}  // namespace gwsim
