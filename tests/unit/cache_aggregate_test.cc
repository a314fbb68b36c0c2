// The cache on an aggregation route: a complete aggregated answer is stored like an
// upstream's and served as a hit without running the parts again; a partial answer (a part
// failed) is never stored, so the next request tries the parts again.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libgateway/pipeline/stage_list.h"
#include "test_support.h"

namespace gateway {
namespace {

using testing::makeRequest;

struct CachedAggregation : ::testing::Test {
  CachedAggregation() { installStandardStages(h.gateway, h.shared, h.env); }
  // Answers the two parts' sends, oldest first.
  void answerParts(int secondStatus) {
    ASSERT_EQ(h.transport.sends.size(), 2u);
    h.transport.respond(200, R"({"name":"Ada"})", Headers{{"Content-Type", "application/json"}});
    h.transport.respond(secondStatus, R"({"orders":[1,2]})", Headers{{"Content-Type", "application/json"}});
  }
  testing::GatewayHarness h{testing::mustParse(R"({
    "services": [{"name": "users", "instances": ["10.0.0.1:80"], "timeout_ms": 1000},
                 {"name": "orders", "instances": ["10.0.0.2:80"], "timeout_ms": 1000}],
    "routes": [{"name": "dashboard", "match": {"template": "/dashboard/{id}", "methods": ["GET"]},
                "cache": {"ttl_s": 60},
                "aggregate": {"parts": [{"name": "user", "service": "users", "path": "/users/{id}", "group": "user"},
                                        {"name": "orders", "service": "orders", "path": "/orders?userId={id}",
                                         "group": "orders"}]}}]})")};
};

TEST_F(CachedAggregation, ACompleteAnswerIsStoredAndServedWithoutThePartsAgain) {
  auto first = h.start(makeRequest("GET", "/dashboard/7"));
  answerParts(200);
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->status, 200);
  EXPECT_EQ((*first)->headers.get("x-cache"), "MISS");
  const auto doc = nlohmann::json::parse((*first)->body);
  EXPECT_EQ(doc["user"]["name"], "Ada");

  auto second = h.start(makeRequest("GET", "/dashboard/7"));
  ASSERT_TRUE(second->has_value()) << "answered from the cache at once";
  EXPECT_EQ((*second)->headers.get("x-cache"), "HIT");
  EXPECT_EQ(nlohmann::json::parse((*second)->body), doc);
  EXPECT_EQ(h.transport.total, 2u) << "no part ran again";
}

TEST_F(CachedAggregation, APartialAnswerIsNotStored) {
  auto first = h.start(makeRequest("GET", "/dashboard/8"));
  answerParts(503);
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->status, 200);
  EXPECT_EQ((*first)->headers.get("x-krakend-completed"), "false");

  auto second = h.start(makeRequest("GET", "/dashboard/8"));
  EXPECT_FALSE(second->has_value()) << "not stored: the parts run again";
  EXPECT_EQ(h.transport.total, 4u);
}

TEST(CachedAggregationStale, AStaleCopyIsRefilledInLineNotRefreshedInTheBackground) {
  testing::GatewayHarness h(testing::mustParse(R"({
    "services": [{"name": "users", "instances": ["10.0.0.1:80"], "timeout_ms": 1000}],
    "routes": [{"name": "dashboard", "match": {"template": "/dashboard/{id}", "methods": ["GET"]},
                "cache": {"ttl_s": 10, "stale_while_revalidate_s": 60},
                "aggregate": {"parts": [{"name": "user", "service": "users", "path": "/users/{id}", "merge": true}]}}]})"));
  installStandardStages(h.gateway, h.shared, h.env);
  auto first = h.start(makeRequest("GET", "/dashboard/7"));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  h.transport.respond(200, R"({"name":"Ada"})", Headers{{"Content-Type", "application/json"}});
  ASSERT_TRUE(first->has_value());
  h.clock.advance(seconds(20));  // stale, within stale-while-revalidate
  auto second = h.start(makeRequest("GET", "/dashboard/7"));
  EXPECT_FALSE(second->has_value()) << "the route has no upstream target to refresh from: a fill in line";
  ASSERT_EQ(h.transport.sends.size(), 1u);
  h.transport.respond(200, R"({"name":"Ada L."})", Headers{{"Content-Type", "application/json"}});
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ(nlohmann::json::parse((*second)->body)["name"], "Ada L.");
  EXPECT_EQ((*second)->headers.get("x-cache"), "EXPIRED");
}

}  // namespace
}  // namespace gateway
