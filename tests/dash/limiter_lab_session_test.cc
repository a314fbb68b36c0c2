// The limiter lab fed by a simulated session of a shipped scenario: the boundary-burst
// lesson, the lab's lane of the gateway's own algorithm deciding exactly as the gateway's
// store did, and step/jump determinism. No window.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "sim/scenario/scenario.h"
#include "tools/gwdash/model/limiter_lab_model.h"
#include "tests/dash/dash_test_support.h"
#include "tools/gwdash/model/sim_session.h"

namespace gwdash {
namespace {

using gateway::seconds;

const LabLane& sessionLane(const LimiterLabModel& model, const std::string& algorithm) {
  for (const LabLane& lane : model.lanes()) {
    if (lane.algorithm == algorithm) return lane;
  }
  ADD_FAILURE() << "no lane " << algorithm;
  static const LabLane kNoLane;
  return kNoLane;
}

TEST(LimiterLabSessionTest, BoundaryBurstScenarioShowsFixedWindowsTwiceTheLimit) {
  auto session = testing::openShippedSession("boundary_burst.json");
  LimiterLabModel model;
  session->addListener(&model);
  session->advance(seconds(65));
  EXPECT_EQ(model.reference().limit, 100);
  EXPECT_EQ(model.reference().window, seconds(60));
  EXPECT_EQ(model.reference().source, "tier:free (fixed_window)");
  EXPECT_EQ(model.arrivals(), 200);
  EXPECT_EQ(model.watchedKey(), "tenant-a");  // the client's API key's consumer
  const LabLane& fixed = sessionLane(model, "fixed_window");
  EXPECT_EQ(fixed.totalAdmitted, 200);
  EXPECT_EQ(fixed.maxInWindow, 200);
  EXPECT_EQ(sessionLane(model, "sliding_log").maxInWindow, 100);
  EXPECT_EQ(sessionLane(model, "sliding_log").totalDenied, 100);
  EXPECT_EQ(sessionLane(model, "token_bucket").maxInWindow, 103);  // 100 plus 2 s of refill at 1.667/s
  EXPECT_EQ(model.lesson().rfind("fixed_window let 2.0x the limit through", 0), 0u) << model.lesson();
  // The gateway's own tier (a fixed window) admitted all 200 as well: its store's counters.
  ASSERT_EQ(model.stores().size(), 1u);
  EXPECT_EQ(model.stores()[0].id, "tier:free");
  EXPECT_EQ(model.stores()[0].allowed, fixed.totalAdmitted);
  EXPECT_EQ(model.ticks(), 651u);
}

TEST(LimiterLabSessionTest, TheLabsLaneOfTheGatewaysAlgorithmDecidesAsTheGateway) {
  // noisy_neighbour: a gcra tier (rate 60, burst 30) per consumer, one tenant far above it.
  auto session = testing::openShippedSession("noisy_neighbour.json");
  LimiterLabModel model;
  session->addListener(&model);
  session->advance(seconds(20));
  EXPECT_EQ(model.reference().source, "tier:standard (gcra)");
  EXPECT_EQ(model.watchedKey(), "noisy");
  EXPECT_EQ(model.keyCount(), 10u);
  const LabLane& gcra = sessionLane(model, "gcra");
  const LabLane& bucket = sessionLane(model, "token_bucket");
  ASSERT_EQ(model.stores().size(), 1u);
  const LabStore& store = model.stores()[0];
  // The snapshot at 20 s has seen every arrival up to 20 s, as the lab has.
  EXPECT_GT(store.denied, 0);
  EXPECT_EQ(gcra.totalAdmitted, store.allowed);
  EXPECT_EQ(gcra.totalDenied, store.denied);
  EXPECT_EQ(bucket.totalAdmitted, gcra.totalAdmitted);  // the two decide alike
}

TEST(LimiterLabSessionTest, PlayingInStepsEqualsAJump) {
  auto played = testing::openShippedSession("noisy_neighbour.json");
  LimiterLabModel a;
  played->addListener(&a);
  std::uint64_t frame = 0;
  while (played->now() < seconds(12)) {
    const gateway::Duration slice = gateway::millis(static_cast<std::int64_t>(13 + (frame % 4) * 47));
    played->advance(std::min(slice, seconds(12) - played->now()), frame % 3 == 0 ? 300 : UINT64_MAX);
    if (frame % 5 == 0 && played->now() < seconds(11)) played->stepEvent();
    ++frame;
  }
  auto jumped = testing::openShippedSession("noisy_neighbour.json");
  LimiterLabModel b;
  jumped->addListener(&b);
  jumped->jumpTo(seconds(12));
  EXPECT_EQ(a.digest(), b.digest());
  EXPECT_EQ(a.ticks(), 121u);
  EXPECT_GT(a.arrivals(), 500);
}

}  // namespace
}  // namespace gwdash
