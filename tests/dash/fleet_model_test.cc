// FleetModel fed literal snapshots (the simulation's "fleet" member, a live gatewayd's
// "cluster_limits") and the shipped cluster_limits scenario through a session: instances up and
// down with their rates over the last second, the shared store's state and decision rate,
// split mode (no store), and counters that go back (a restarted gatewayd).
#include <gtest/gtest.h>

#include "tests/dash/dash_test_support.h"
#include "tools/gwdash/model/fleet_model.h"

namespace gwdash {
namespace {

using gateway::millis;
using gateway::seconds;
using nlohmann::json;

json fleetSnapshot(std::uint64_t a, std::uint64_t b, bool bUp, std::uint64_t decisions, bool storeUp) {
  const json cluster = {{"store", json::array({"127.0.0.1:6379"})}, {"mode", "exact"}, {"on_failure", "local_fallback"},
                        {"up", storeUp}, {"sent", decisions}, {"failed", 0}};
  const json instances = json::array(
      {{{"up", true}, {"requests", a}, {"in_flight", 2}, {"store_up", storeUp}, {"store_failed", 0}, {"on_failure", 0}},
       {{"up", bUp}, {"requests", b}, {"in_flight", 0}, {"store_up", true}, {"store_failed", 1}, {"on_failure", 4}}});
  return {{"cluster_limits", cluster},
          {"fleet",
           {{"balancer", "round_robin"},
            {"instances", instances},
            {"unanswered", 0},
            {"store",
             {{"up", storeUp}, {"latency_ms", 0.3}, {"decisions", decisions}, {"denied", 7}, {"failed", 2}, {"window_adds", 0}}}}}};
}

TEST(FleetModel, InstancesAndTheStoreWithTheirRatesOverTheLastSecond) {
  FleetModel m;
  m.reset({});
  EXPECT_FALSE(m.visible());
  // 100 ms ticks: a takes 10 requests per tick, b 5 until it goes down at 1.5 s.
  for (int tick = 1; tick <= 20; ++tick) {
    const bool bUp = tick <= 15;
    m.onSnapshot(millis(100 * tick), fleetSnapshot(10u * tick, 5u * std::min(tick, 15), bUp, 12u * tick, tick < 18));
  }
  ASSERT_TRUE(m.visible());
  ASSERT_EQ(m.instances().size(), 2u);
  EXPECT_EQ(m.balancer(), "round_robin");
  EXPECT_DOUBLE_EQ(m.instances()[0].rate, 100.0);
  EXPECT_DOUBLE_EQ(m.instances()[1].rate, 25.0) << "down since 1.5 s: 25 taken from 1.0 s to 1.5 s";
  EXPECT_FALSE(m.instances()[1].up);
  EXPECT_EQ(m.instances()[1].onFailure, 4u);
  EXPECT_EQ(m.instances()[0].inFlight, 2);
  const ClusterStoreView& s = m.store();
  EXPECT_TRUE(s.present);
  EXPECT_TRUE(s.simulated);
  EXPECT_FALSE(s.up) << "down from 1.8 s";
  EXPECT_FALSE(m.instances()[0].storeUp);
  EXPECT_DOUBLE_EQ(s.latencyMs, 0.3);
  EXPECT_DOUBLE_EQ(s.rate, 120.0);
  EXPECT_EQ(s.denied, 7u);
  EXPECT_EQ(s.mode, "exact");
  EXPECT_EQ(s.onFailure, "local_fallback");
  // Half-way through the window, b's rate is what it took in the part it was up.
  m.reset({});
  for (int tick = 1; tick <= 20; ++tick) {
    m.onSnapshot(millis(100 * tick), fleetSnapshot(10u * tick, 5u * std::min(tick, 15), tick <= 15, 0, true));
    if (tick == 15) {
      EXPECT_DOUBLE_EQ(m.instances()[1].rate, 50.0);
    }
  }
}

TEST(FleetModel, ALiveGatewaydShowsItsRedisAndSplitModeShowsNone) {
  FleetModel m;
  m.reset({});
  const auto live = [](std::uint64_t sent, const char* mode) {
    return json{{"cluster_limits",
                 {{"store", json::array({"10.0.0.1:6379", "10.0.0.2:6379"})}, {"mode", mode}, {"on_failure", "fail_open"},
                  {"up", true}, {"sent", sent}, {"failed", 3}}}};
  };
  m.onSnapshot(seconds(1), live(1000, "exact"));
  m.onSnapshot(seconds(2), live(1500, "exact"));
  ASSERT_TRUE(m.visible());
  EXPECT_TRUE(m.instances().empty());
  EXPECT_FALSE(m.store().simulated);
  EXPECT_EQ(m.store().where, "10.0.0.1:6379, 10.0.0.2:6379");
  EXPECT_DOUBLE_EQ(m.store().rate, 500.0);
  EXPECT_EQ(m.store().failed, 3u);
  m.onSnapshot(seconds(3), live(20, "exact"));  // restarted: its counters begin again
  EXPECT_DOUBLE_EQ(m.store().rate, 0.0);
  m.onSnapshot(seconds(4), live(20, "split"));
  EXPECT_FALSE(m.visible()) << "split asks no store";
  m.onSnapshot(seconds(5), json::object());
  EXPECT_FALSE(m.visible());
}

TEST(FleetModel, TheShippedClusterScenarioShowsItsOutages) {
  auto session = testing::openShippedSession("cluster_limits.json");
  ASSERT_TRUE(session);
  FleetModel m;
  session->addListener(&m);
  session->advance(seconds(25));  // instance 2 is down from 20 s to 30 s
  ASSERT_EQ(m.instances().size(), 3u);
  EXPECT_TRUE(m.instances()[0].up);
  EXPECT_FALSE(m.instances()[2].up);
  EXPECT_EQ(m.instances()[2].rate, 0.0);
  EXPECT_GT(m.instances()[0].rate, 0.0);
  EXPECT_TRUE(m.store().present);
  EXPECT_TRUE(m.store().up);
  EXPECT_GT(m.store().rate, 0.0);
  session->advance(seconds(17));  // 42 s: the Redis is down from 40 s to 45 s
  EXPECT_TRUE(m.instances()[2].up);
  EXPECT_FALSE(m.store().up);
  EXPECT_GT(m.store().failed, 0u);
  EXPECT_FALSE(m.instances()[0].storeUp);
}

}  // namespace
}  // namespace gwdash
