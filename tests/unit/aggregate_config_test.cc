// The "aggregate" route field: a valid route compiles its parts (services resolved, targets
// GETs with the route's retry, dependencies both ways, defaults), and every mistake is an
// error at its JSON path: shape, unknown services and placeholders, cycles, deadlines, the
// route's methods, and key collisions knowable from allow lists.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libgateway/aggregate/aggregate_config.h"
#include "libgateway/config/config_loader.h"
#include "libgateway/pipeline/stage_list.h"

namespace gateway {
namespace {

using nlohmann::json;

std::size_t aggregateSlot() {
  const auto stages = standardStages();
  for (std::size_t i = 0; i < stages.size(); ++i) {
    if (stages[i].name == "aggregate") return i;
  }
  ADD_FAILURE() << "no aggregate stage";
  return 0;
}

json aggregateRoute(const json& aggregate) {
  return {{"name", "dash"},
          {"match", {{"template", "/api/dash/{id}"}, {"methods", {"GET"}}}},
          {"aggregate", aggregate}};
}

json aggregateConfigDoc(const json& route) {
  return {{"services", json::array({{{"name", "users"}, {"instances", {"10.0.0.1:80"}}},
                                    {{"name", "orders"}, {"instances", {"10.0.0.2:80"}}},
                                    {{"name", "recs"}, {"instances", {"10.0.0.3:80"}}}})},
          {"routes", json::array({route})}};
}

json aggregateDashboardJson() {
  return json::parse(R"({"timeout_ms": 2000, "partial": "fail", "status_key": "_status", "max_part_bytes": 4096,
    "parts": [
      {"name": "user", "service": "users", "path": "/users/{id}", "merge": true, "deny": ["email"]},
      {"name": "orders", "service": "orders", "path": "/orders?userId={id}", "allow": ["orders[].id"], "timeout_ms": 500},
      {"name": "recs", "service": "recs", "path": "/recs?userId={user.id}", "group": "recommended",
       "optional": true}]})");
}

std::string aggregateErrors(const json& route) {
  ConfigLoad load = loadConfigJson(aggregateConfigDoc(route));
  EXPECT_FALSE(load.ok()) << route.dump();
  return load.errors.text();
}

TEST(AggregateConfig, CompilesPartsTargetsAndDependencies) {
  json route = aggregateRoute(aggregateDashboardJson());
  route["retry"] = {{"max_retries", 2}};
  ConfigLoad load = loadConfigJson(aggregateConfigDoc(route));
  ASSERT_TRUE(load.ok()) << load.errors.text();
  const auto* spec = load.config->routes[0].extension<AggregateSpec>(aggregateSlot());
  ASSERT_NE(spec, nullptr);
  EXPECT_TRUE(load.config->routes[0].backends.empty());
  EXPECT_EQ(spec->route, "dash");
  EXPECT_EQ(spec->timeout, millis(2000));
  EXPECT_EQ(spec->partial, PartialPolicy::kFail);
  EXPECT_EQ(spec->statusKey, "_status");
  EXPECT_EQ(spec->maxPartBytes, 4096u);
  ASSERT_EQ(spec->parts.size(), 3u);
  const AggregatePart& user = spec->parts[0];
  EXPECT_TRUE(user.merge);
  EXPECT_EQ(user.target.backends, std::vector<std::size_t>{0});
  EXPECT_EQ(user.target.method, "GET");
  ASSERT_TRUE(user.target.retry);
  EXPECT_EQ(user.target.retry->config().maxRetries, 2u);
  EXPECT_FALSE(user.target.timeout);  // the service's, cut by the route's deadline
  EXPECT_EQ(user.dependents, std::vector<std::size_t>{2});
  const AggregatePart& orders = spec->parts[1];
  EXPECT_FALSE(orders.merge);
  EXPECT_EQ(orders.group, "orders");  // its own name by default
  EXPECT_EQ(orders.target.timeout, millis(500));
  EXPECT_TRUE(orders.rules.hasAllow());
  EXPECT_EQ(spec->parts[2].group, "recommended");
  EXPECT_TRUE(spec->parts[2].optional);
  EXPECT_FALSE(user.optional);
  EXPECT_EQ(spec->parts[2].target.backends, std::vector<std::size_t>{2});
  EXPECT_EQ(spec->parts[2].dependsOn, std::vector<std::size_t>{0});
}

TEST(AggregateConfig, DefaultsAndTheRoutesOwnTimeout) {
  json route = aggregateRoute({{"parts", {{{"name", "u"}, {"service", "users"}, {"path", "/users/{id}"}}}}});
  route["timeout_ms"] = 1500;
  ConfigLoad load = loadConfigJson(aggregateConfigDoc(route));
  ASSERT_TRUE(load.ok()) << load.errors.text();
  const auto* spec = load.config->routes[0].extension<AggregateSpec>(aggregateSlot());
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->timeout, millis(1500));
  EXPECT_EQ(spec->partial, PartialPolicy::kAllow);
  EXPECT_EQ(spec->statusKey, "_parts");
  EXPECT_EQ(spec->maxPartBytes, kDefaultMaxPartBytes);
  EXPECT_EQ(spec->parts[0].group, "u");
}

TEST(AggregateConfig, ShapeErrorsHaveTheirPaths) {
  const std::string e = aggregateErrors(aggregateRoute(json::parse(R"({"partial": "maybe", "status_key": "", "max_part_bytes": 0,
    "parts": [{"name": "bad name", "service": "nope", "path": "users", "merge": true, "group": "g", "extra": 1},
              {"name": "query", "service": "users", "path": "/u"},
              {"name": "a", "service": "users", "path": "/u", "group": "x"},
              {"name": "a", "service": "users", "path": "/u", "group": "y"}]})")));
  EXPECT_NE(e.find("/routes/0/aggregate/partial: "), std::string::npos) << e;
  EXPECT_NE(e.find("/routes/0/aggregate/status_key: must not be empty"), std::string::npos) << e;
  EXPECT_NE(e.find("/routes/0/aggregate/max_part_bytes: "), std::string::npos) << e;
  EXPECT_NE(e.find("/routes/0/aggregate/parts/0/name: \"bad name\" is not a part name"), std::string::npos) << e;
  EXPECT_NE(e.find("/routes/0/aggregate/parts/0/service: unknown service \"nope\""), std::string::npos) << e;
  EXPECT_NE(e.find("/routes/0/aggregate/parts/0/path: bad path \"users\": must start with '/'"), std::string::npos) << e;
  EXPECT_NE(e.find("/routes/0/aggregate/parts/0/group: a part either merges"), std::string::npos) << e;
  EXPECT_NE(e.find("/routes/0/aggregate/parts/0/extra: "), std::string::npos) << e;
  EXPECT_NE(e.find("/routes/0/aggregate/parts/1/name: \"query\" is reserved"), std::string::npos) << e;
  EXPECT_NE(e.find("/routes/0/aggregate/parts/3/name: duplicate part \"a\""), std::string::npos) << e;
  EXPECT_NE(aggregateErrors(aggregateRoute({{"parts", json::array()}})).find("/routes/0/aggregate/parts: needs at least one part"),
            std::string::npos);
  EXPECT_NE(aggregateErrors(aggregateRoute(json::object())).find("/routes/0/aggregate/parts: "), std::string::npos);
}

TEST(AggregateConfig, PlaceholdersMustBeFillable) {
  const std::string e = aggregateErrors(aggregateRoute(json::parse(R"({"parts": [
      {"name": "a", "service": "users", "path": "/u/{userId}"},
      {"name": "b", "service": "users", "path": "/u/{ghost.id}"},
      {"name": "c", "service": "users", "path": "/u/{c.id}"}]})")));
  EXPECT_NE(e.find("/routes/0/aggregate/parts/0/path: {userId} is not captured by the route's match template"), std::string::npos) << e;
  EXPECT_NE(e.find("/routes/0/aggregate/parts/1/path: {ghost.id} names no part \"ghost\""), std::string::npos) << e;
  EXPECT_NE(e.find("/routes/0/aggregate/parts/2/path: {c.id} reads the part's own answer"), std::string::npos) << e;
}

TEST(AggregateConfig, DependencyCyclesAreErrors) {
  const std::string e = aggregateErrors(aggregateRoute(json::parse(R"({"parts": [
      {"name": "a", "service": "users", "path": "/u/{c.id}"},
      {"name": "b", "service": "users", "path": "/u/{a.id}"},
      {"name": "c", "service": "users", "path": "/u/{b.id}"},
      {"name": "d", "service": "users", "path": "/u/{a.id}"}]})")));
  EXPECT_NE(e.find("/routes/0/aggregate/parts/1/path: the parts read each other's answers in a cycle: a reads c, c reads b, b reads a"), std::string::npos) << e;
  EXPECT_EQ(e.find("/parts/3/"), std::string::npos) << e;  // d only depends on the cycle
}

TEST(AggregateConfig, DeadlinesAndMethods) {
  json route = aggregateRoute(json::parse(R"({"timeout_ms": 300, "parts": [
      {"name": "a", "service": "users", "path": "/u", "timeout_ms": 500}]})"));
  route["timeout_ms"] = 200;
  route["match"]["methods"] = {"GET", "POST"};
  const std::string e = aggregateErrors(route);
  EXPECT_NE(e.find("/routes/0/aggregate/timeout_ms: the route sets \"timeout_ms\" too"), std::string::npos) << e;
  EXPECT_NE(e.find("/routes/0/aggregate/parts/0/timeout_ms: 500 ms is beyond the route's deadline of 300 ms"), std::string::npos) << e;
  EXPECT_NE(e.find("/routes/0/match/methods: an aggregation route answers GET (and HEAD) only"), std::string::npos) << e;
  json noMethods = aggregateRoute({{"parts", {{{"name", "a"}, {"service", "users"}, {"path", "/u"}}}}});
  noMethods["match"].erase("methods");
  EXPECT_NE(aggregateErrors(noMethods).find("/routes/0/match/methods: "), std::string::npos);
}

TEST(AggregateConfig, ARouteWithAggregateHasNoServiceOfItsOwn) {
  json route = aggregateRoute({{"parts", {{{"name", "a"}, {"service", "users"}, {"path", "/u"}}}}});
  route["service"] = "users";
  EXPECT_NE(aggregateErrors(route).find("/routes/0/service: a route with \"aggregate\" has no \"service\""), std::string::npos);
}

TEST(AggregateConfig, CollisionsKnowableFromAllowListsAreErrors) {
  const std::string e = aggregateErrors(aggregateRoute(json::parse(R"({"parts": [
      {"name": "a", "service": "users", "path": "/u", "merge": true, "allow": ["id", "name"]},
      {"name": "b", "service": "users", "path": "/u", "merge": true, "allow": ["id", "b.x"]},
      {"name": "c", "service": "users", "path": "/u", "merge": true, "allow": ["_parts", "grp"]},
      {"name": "d", "service": "users", "path": "/u", "group": "grp"},
      {"name": "e", "service": "users", "path": "/u", "group": "grp"},
      {"name": "f", "service": "users", "path": "/u", "merge": true, "allow": ["old"], "rename": {"old": "name"}},
      {"name": "g", "service": "users", "path": "/u", "merge": true}]})")));
  EXPECT_NE(e.find("/routes/0/aggregate/parts/1/allow: merges \"id\", which part \"a\" merges too"), std::string::npos) << e;
  EXPECT_NE(e.find("/routes/0/aggregate/parts/2/allow: merges \"_parts\", which is the status block"), std::string::npos) << e;
  EXPECT_NE(e.find("/routes/0/aggregate/parts/2/allow: merges \"grp\", which is part \"d\"'s group"), std::string::npos) << e;
  EXPECT_NE(e.find("/routes/0/aggregate/parts/4/group: \"grp\" is already part \"d\"'s group"), std::string::npos) << e;
  EXPECT_NE(e.find("/routes/0/aggregate/parts/5/allow: merges \"name\", which part \"a\" merges too"), std::string::npos) << e;
  EXPECT_EQ(e.find("/parts/6/"), std::string::npos) << e;  // no allow list: a runtime rule
}

}  // namespace
}  // namespace gateway
