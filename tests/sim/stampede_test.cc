// The stampede measure: bursts are the on-periods of the group's on_off arrivals (or its
// flash crowd), clipped to the group's window and the run; fetches per stampede counts the
// tries sent to the service (and target) during them, over the number of bursts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/sim/sim_test_support.h"

namespace gwsim {
namespace {

using nlohmann::json;

json stampedeScenario(const json& arrival, const json& stampede, const json& group = json::object()) {
  json crowd = {{"name", "crowd"}, {"count", 50}, {"arrival", arrival}, {"requests", {{{"path", "/hot"}}}}};
  crowd.merge_patch(group);
  return {{"name", "stampede"},
          {"seed", 3},
          {"duration_s", 20},
          {"gateway", testing::oneServiceGateway()},
          {"services", {{"svc", {{"model", {{"workers", 1000}, {"latency", 5}}}}}}},
          {"clients", json::array({crowd, {{"name", "background"}, {"arrival", {{"process", "constant"}, {"rate", 10}}},
                                           {"requests", {{{"path", "/cold"}}}}}})},
          {"stampede", stampede}};
}

TEST(StampedeTest, BurstsAreTheGroupsOnPeriodsWithinItsWindow) {
  const Scenario s = testing::mustLoad(stampedeScenario(
      {{"process", "constant"}, {"rate", 100}, {"on_off", {{"on_s", 1}, {"off_s", 4}}}}, {{"group", "crowd"}, {"service", "svc"}},
      {{"start_s", 3}, {"stop_s", 16}}));
  ASSERT_TRUE(s.stampede);
  using P = std::pair<gateway::TimePoint, gateway::TimePoint>;
  const auto sec = [](double x) { return static_cast<gateway::TimePoint>(x * 1e6); };
  // On at 0-1, 5-6, 10-11, 15-16: the group starts at 3 and stops at 16.
  EXPECT_EQ(s.stampede->bursts, (std::vector<P>{{sec(5), sec(6)}, {sec(10), sec(11)}, {sec(15), sec(16)}}));
  EXPECT_TRUE(s.stampede->during(sec(5)));
  EXPECT_TRUE(s.stampede->during(sec(10.5)));
  EXPECT_FALSE(s.stampede->during(sec(6)));
  EXPECT_FALSE(s.stampede->during(sec(2)));
  EXPECT_FALSE(s.stampede->during(sec(16)));

  const Scenario flash = testing::mustLoad(stampedeScenario(
      {{"rate", 10}, {"flash_crowd", {{"at_s", 8}, {"for_s", 2}, {"multiplier", 20}}}}, {{"group", "crowd"}, {"service", "svc"}}));
  EXPECT_EQ(flash.stampede->bursts, (std::vector<P>{{sec(8), sec(10)}}));
}

TEST(StampedeTest, FetchesPerStampedeCountsTheServicesTriesDuringBursts) {
  // Without a cache every request of a burst is a fetch: about 100 per 1 s burst (Poisson
  // arrivals come only while the rate is not 0: inside the bursts).
  const json arrival = {{"process", "poisson"}, {"rate", 100}, {"on_off", {{"on_s", 1}, {"off_s", 4}}}};
  RunResult r = testing::runQuiet(testing::mustLoad(stampedeScenario(arrival, {{"group", "crowd"}, {"service", "svc"}, {"target", "/hot"}})));
  ASSERT_TRUE(r.content.enabled);
  const std::uint64_t crowd = r.groups["crowd"].statuses.total;
  EXPECT_NEAR(static_cast<double>(crowd), 400, 60);
  EXPECT_EQ(r.content.stampedeBursts, 4u);
  EXPECT_EQ(r.content.stampedeFetches, crowd);
  EXPECT_EQ(r.metric("fetches_per_stampede", {}), static_cast<double>(crowd) / 4);
  EXPECT_EQ(r.toJson()["content"]["stampede"]["fetches_per_stampede"], static_cast<double>(crowd) / 4);
  // Without the target, the background group's requests during the bursts count too (10 a second).
  r = testing::runQuiet(testing::mustLoad(stampedeScenario(arrival, {{"group", "crowd"}, {"service", "svc"}})));
  EXPECT_EQ(r.content.stampedeFetches, crowd + 40);
  // Another target: none.
  r = testing::runQuiet(testing::mustLoad(stampedeScenario(arrival, {{"group", "crowd"}, {"service", "svc"}, {"target", "/other"}})));
  EXPECT_EQ(r.metric("fetches_per_stampede", {}), 0.0);
}

TEST(StampedeTest, MistakesNameTheirPath) {
  const json arrival = {{"rate", 10}};
  const auto errorsOf = [&](const json& stampede, const json& a) {
    auto load = loadScenarioJson(stampedeScenario(a, stampede), ".");
    EXPECT_FALSE(load.ok());
    return load.errors.text();
  };
  EXPECT_NE(errorsOf({{"group", "crowd"}, {"service", "svc"}}, arrival).find("/stampede/group: client group \"crowd\" has no bursts"),
            std::string::npos);
  EXPECT_NE(errorsOf({{"group", "mob"}, {"service", "svc"}}, arrival).find("/stampede/group: no client group \"mob\""),
            std::string::npos);
  const json onOff = {{"rate", 10}, {"on_off", {{"on_s", 1}, {"off_s", 1}}}};
  EXPECT_NE(errorsOf({{"group", "crowd"}, {"service", "nope"}}, onOff).find("/stampede/service: service \"nope\""),
            std::string::npos);
  EXPECT_NE(errorsOf({{"group", "crowd"}, {"service", "svc"}, {"target", "hot"}}, onOff).find("/stampede/target: must start with '/'"),
            std::string::npos);
  EXPECT_NE(errorsOf({{"group", "crowd"}}, onOff).find("/stampede/service"), std::string::npos);
}

}  // namespace
}  // namespace gwsim
