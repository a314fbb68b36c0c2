// The traffic models (latency, inspector) fed by a real simulated session: a run played in
// uneven frames and a jump to the same time leave them with the same digest, and what they
// hold tells the scenario's story (the breaker's 503s, the journey of a request it answered).
#include <gtest/gtest.h>

#include <algorithm>

#include "sim/scenario/scenario.h"
#include "tools/gwdash/model/inspector_model.h"
#include "tools/gwdash/model/latency_model.h"
#include "tests/dash/dash_test_support.h"
#include "tools/gwdash/model/sim_session.h"

namespace gwdash {
namespace {

TEST(TrafficModelsInASession, PlayingAndJumpingLeaveTheSameDigests) {
  const gateway::TimePoint target = gateway::seconds(25);
  auto played = testing::openShippedSession("outage_with_breaker.json");
  LatencyModel playedLatency;
  InspectorModel playedInspector;
  played->addListener(&playedLatency);
  played->addListener(&playedInspector);
  for (std::uint64_t frame = 0; played->now() < target && frame < 100000; ++frame) {
    const gateway::Duration slice = gateway::millis(static_cast<std::int64_t>(13 + (frame % 7) * 29));
    played->advance(std::min(slice, target - played->now()), frame % 4 == 0 ? 300 : UINT64_MAX);
  }
  ASSERT_EQ(played->now(), target);

  auto jumped = testing::openShippedSession("outage_with_breaker.json");
  LatencyModel jumpedLatency;
  InspectorModel jumpedInspector;
  jumped->addListener(&jumpedLatency);
  jumped->addListener(&jumpedInspector);
  jumped->advance(gateway::seconds(3));  // somewhere else first: the jump re-runs from t = 0
  jumped->jumpTo(target);
  EXPECT_EQ(jumpedLatency.digest(), playedLatency.digest());
  EXPECT_EQ(jumpedInspector.digest(), playedInspector.digest());

  // The story: requests every second, and the open breaker's 503s somewhere in the run.
  EXPECT_GT(playedLatency.totalRequests(), 0u);
  EXPECT_EQ(playedLatency.currentSecond(), 25);
  std::uint64_t answeredByBreaker = 0;
  for (const LatencySecond& s : playedLatency.series()) answeredByBreaker += s.status(StatusClass::k503);
  EXPECT_GT(answeredByBreaker, 0u);
  playedInspector.setFilter({"", "", "circuit_open"});
  ASSERT_FALSE(playedInspector.visible().empty());
  const RequestRecord& open = playedInspector.at(playedInspector.visible().front());
  EXPECT_EQ(open.status, 503);
  const auto journey = journeyOf(open);
  EXPECT_EQ(journey[5].verdict, "open");
  EXPECT_TRUE(journey[5].decisive);
  EXPECT_FALSE(journey[6].reached);
}

}  // namespace
}  // namespace gwdash
