// gwdash's player: simulated time follows the frames' wall time times the speed, exactly (the
// carry keeps fractions of a microsecond), pauses when the run ends, and at "max" plays a
// bounded number of events per frame. Built with the gwdash app (outside sanitizer builds).
#ifdef GWDASH_PATH

#include "tools/gwdash/app/player.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "sim/scenario/scenario.h"

namespace gwdash {
namespace {

TEST(GwdashPlayerTest, SimulatedTimeIsWallTimeTimesTheSpeed) {
  auto session = testing::openShippedSession("boundary_burst.json");
  Player player;
  player.frame(*session, 0.5);
  EXPECT_EQ(session->now(), 0) << "paused: nothing plays";
  player.playing = true;
  player.speed = 2.0;
  for (int i = 0; i < 30; ++i) player.frame(*session, 1.0 / 60.0);  // half a second of frames
  EXPECT_EQ(session->now(), gateway::seconds(1));
  player.speed = 0.01;
  for (int i = 0; i < 100; ++i) player.frame(*session, 0.01);  // one wall second: 10 ms simulated
  EXPECT_EQ(session->now(), gateway::seconds(1) + gateway::millis(10));
  EXPECT_FALSE(player.behind());
}

TEST(GwdashPlayerTest, AStallIsNotMadeUpAndTheEndPauses) {
  auto session = testing::openShippedSession("boundary_burst.json");
  Player player;
  player.playing = true;
  player.speed = 1.0;
  player.frame(*session, 30.0);  // a 30 s stall counts as a quarter of a second
  EXPECT_EQ(session->now(), gateway::millis(250));
  player.speed = 1000.0;
  for (int i = 0; i < 10'000 && player.playing; ++i) player.frame(*session, 0.1);
  EXPECT_FALSE(player.playing);
  EXPECT_TRUE(session->done());
}

TEST(GwdashPlayerTest, MaxPlaysABoundedNumberOfEventsPerFrame) {
  auto session = testing::openShippedSession("flash_crowd.json");
  Player player;
  player.playing = true;
  player.max = true;
  const std::uint64_t budget = player.budget();
  player.frame(*session, 1.0 / 60.0);
  EXPECT_GT(session->events(), 0u);
  EXPECT_LE(session->events(), budget);
  EXPECT_FALSE(session->done());
}

}  // namespace
}  // namespace gwdash

#endif  // GWDASH_PATH
