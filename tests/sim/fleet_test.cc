// Several gateway instances in one simulated run: the balancers spread requests (round robin,
// weighted, least connections), an instance's outage moves its traffic to the others, a fleet
// with every instance down answers 503, and one cluster-scoped quota holds across instances
// where per-instance limits multiply it and split limits fall short when an instance fails.
#include <gtest/gtest.h>

#include "tests/sim/sim_test_support.h"

namespace gwsim {
namespace {

using nlohmann::json;
using testing::mustLoad;
using testing::runQuiet;

// One consumer offering `rate` requests/s for `seconds` through `instances` gateways.
json fleetScenario(int instances, const json& gateways, double rate = 200, double seconds = 10) {
  json gw = testing::oneServiceGateway(2);
  gw["consumers"] = {{{"id", "acme"}, {"tier", "team"}, {"api_keys", {"acme-key-0001"}}}};
  gw["routes"][0]["rate_limit"] = {{"per_consumer", true}};
  gw["rate_limits"] = {{"tiers", {{"team", {{"algorithm", "token_bucket"}, {"rate", 1000}, {"burst", 1000}}}}}};
  json fleet = gateways;
  fleet["instances"] = instances;
  return {{"name", "fleet"},
          {"seed", 3},
          {"duration_s", seconds},
          {"gateway", gw},
          {"gateways", fleet},
          {"services", {{"svc", {{"model", {{"workers", 64}, {"latency", {{"kind", "constant"}, {"ms", 2}}}}}}}}},
          {"clients",
           {{{"name", "acme"},
             {"count", 10},
             {"api_keys", {"acme-key-0001"}},
             {"arrival", {{"process", "constant"}, {"rate", rate}}},
             {"requests", {{{"weight", 1}, {"path", "/x"}}}}}}}};
}

std::vector<std::uint64_t> perInstance(const RunResult& r) {
  EXPECT_TRUE(r.fleet.has_value());
  return r.fleet ? r.fleet->requests : std::vector<std::uint64_t>{};
}

TEST(Fleet, RoundRobinSpreadsEvenlyAndAnOutageMovesTheTrafficToTheOthers) {
  const RunResult even = runQuiet(mustLoad(fleetScenario(3, json::object())));
  EXPECT_EQ(perInstance(even), (std::vector<std::uint64_t>{667, 667, 666}));
  json doc = fleetScenario(3, {{"outages", {{{"instance", 1}, {"at_s", 2}, {"for_s", 4}}}}});
  const RunResult r = runQuiet(mustLoad(doc));
  const auto n = perInstance(r);
  ASSERT_EQ(n.size(), 3u);
  // 6 s up out of 10: a third of 1,200 requests; the other 800 of its share went to the others.
  EXPECT_NEAR(static_cast<double>(n[1]), 400, 2);
  EXPECT_NEAR(static_cast<double>(n[0]), 800, 2);
  EXPECT_NEAR(static_cast<double>(n[2]), 800, 2);
  EXPECT_EQ(r.routes.at("all").statuses.byClass[2], 2000u) << "no request lost to the outage";
}

TEST(Fleet, WeightedBalancerFollowsItsWeights) {
  const auto n = perInstance(runQuiet(mustLoad(fleetScenario(2, {{"balancer", "weighted"}, {"weights", {3, 1}}}))));
  EXPECT_EQ(n, (std::vector<std::uint64_t>{1500, 500}));
}

TEST(Fleet, LeastConnectionsSpreadsEquallyLoadedInstancesEvenly) {
  const auto n = perInstance(runQuiet(mustLoad(fleetScenario(4, {{"balancer", "least_connections"}}))));
  ASSERT_EQ(n.size(), 4u);
  for (auto v : n) EXPECT_NEAR(static_cast<double>(v), 500, 5);
}

TEST(Fleet, EveryInstanceDownAnswers503) {
  const RunResult r = runQuiet(mustLoad(fleetScenario(
      2, {{"outages", {{{"instance", 0}, {"at_s", 5}, {"for_s", 1}}, {{"instance", 1}, {"at_s", 5}, {"for_s", 1}}}}})));
  ASSERT_TRUE(r.fleet);
  EXPECT_EQ(r.fleet->noInstance, 200u);
  EXPECT_EQ(r.groups.at("acme").statuses.code(503), 200u);
}

// The admitted count of one consumer limited to 100/s (burst 100) across 3 instances, by scope.
std::uint64_t admitted(const std::string& scope, const std::string& mode, const json& outages = json::array()) {
  json doc = fleetScenario(3, {{"redis_latency_ms", 0.3}, {"outages", outages}}, 300, 20);
  doc["gateway"]["rate_limits"]["tiers"]["team"] = {{"algorithm", "token_bucket"}, {"rate", 100}, {"burst", 100}, {"scope", scope}};
  doc["gateway"]["rate_limits"]["cluster"] = {{"redis", {"127.0.0.1:6379"}}, {"mode", mode}, {"instances", 3}};
  const RunResult r = runQuiet(mustLoad(doc));
  return r.routes.at("all").statuses.byClass[2];
}

TEST(Fleet, AClusterQuotaHoldsAcrossInstancesWherePerInstanceLimitsMultiplyIt) {
  const std::uint64_t exact = admitted("cluster", "exact");
  const std::uint64_t local = admitted("instance", "exact");
  const std::uint64_t split = admitted("cluster", "split");
  // 20 s at 100/s plus a burst of 100: 2,100 at most.
  EXPECT_LE(exact, 2100u);
  EXPECT_GE(exact, 2090u);
  EXPECT_GE(local, 5900u) << "three instances, three quotas: 300/s offered, all admitted";
  EXPECT_LE(split, 2100u);
  EXPECT_GE(split, 1990u) << "a third each, with even traffic, is close to the quota";
  // An instance down for 10 s: split limits lose its third; the cluster quota does not.
  const json outage = {{{"instance", 2}, {"at_s", 5}, {"for_s", 10}}};
  EXPECT_GE(admitted("cluster", "exact", outage), 2090u);
  EXPECT_LE(admitted("cluster", "split", outage), 1800u);
}

TEST(Fleet, ARedisOutageFallsBackToEachInstancesShare) {
  const json outage = {{{"redis", true}, {"at_s", 5}, {"for_s", 10}}};
  const std::uint64_t n = admitted("cluster", "exact", outage);
  // The rate holds (a third each while Redis is away); bursts are where it gives: each instance's
  // share starts full (3 x 33), and Redis' bucket refills while nobody asks it (100 more when
  // it returns). 2,100 + 199 at most, against 6,000 for limits per instance.
  EXPECT_LE(n, 2299u);
  EXPECT_GE(n, 2090u);
}

TEST(Fleet, ScenarioErrorsNameTheField) {
  auto errorsOf = [](const json& doc) { return loadScenarioJson(doc, ".").errors.text(); };
  EXPECT_NE(errorsOf(fleetScenario(2, {{"weights", {1, 2}}})).find("/gateways/weights: only used with"), std::string::npos);
  EXPECT_NE(errorsOf(fleetScenario(2, {{"balancer", "weighted"}, {"weights", {1}}})).find("give one weight per instance"),
            std::string::npos);
  EXPECT_NE(errorsOf(fleetScenario(2, {{"outages", {{{"instance", 2}, {"at_s", 1}}}}})).find("/gateways/outages/0/instance"),
            std::string::npos);
  EXPECT_NE(errorsOf(fleetScenario(2, {{"outages", {{{"at_s", 1}}}}})).find("say what is down"), std::string::npos);
}

}  // namespace
}  // namespace gwsim
