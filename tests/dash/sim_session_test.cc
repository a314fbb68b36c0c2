// gwdash's simulated session: step and jump determinism (the state after "jump to T" equals
// the state after playing to T, listeners included), checkpoints, live changes on the
// timeline, and the exported scenario that replays them. No window.
#include <gtest/gtest.h>

#include "libgateway/core/random.h"
#include "sim/engine/simulation_run.h"
#include "sim/scenario/scenario.h"
#include "tests/dash/dash_test_support.h"
#include "tools/gwdash/model/sim_session.h"

namespace gwdash {
namespace {

using gateway::seconds;

// Everything a listener was told, folded into a hash and counters.
class SessionDigestListener final : public DashboardListener {
 public:
  void reset(const DashboardContext& context) override {
    hash = 0x5eed;
    requests = arrivals = snapshots = 0;
    ++resetsTotal;
    title = context.title;
  }
  void onRequest(const RequestRecord& r) override {
    ++requests;
    fold(r.toJson().dump());
  }
  void onArrival(const gwsim::Arrival& a) override {
    ++arrivals;
    fold(std::to_string(a.at) + "/" + std::to_string(a.group) + "/" + std::to_string(a.client));
  }
  void onSnapshot(gateway::TimePoint now, const nlohmann::json& policies) override {
    ++snapshots;
    lastSnapshotAt = now;
    fold(std::to_string(now) + policies.dump());
  }
  void fold(const std::string& s) { hash = gateway::mix64(hash ^ gateway::stableHash(s)); }

  std::uint64_t hash = 0x5eed, requests = 0, arrivals = 0, snapshots = 0, resetsTotal = 0;
  gateway::TimePoint lastSnapshotAt = 0;
  std::string title;
};

TEST(SimSessionTest, JumpEqualsPlayingInSmallSteps) {
  auto played = testing::openShippedSession("outage_with_breaker.json");
  SessionDigestListener a;
  played->addListener(&a);
  // Frames of uneven length, some cut short by an event budget, some single steps.
  std::uint64_t frame = 0;
  while (played->now() < seconds(25)) {
    const gateway::Duration slice = gateway::millis(static_cast<std::int64_t>(17 + (frame % 5) * 31));
    played->advance(std::min(slice, seconds(25) - played->now()), frame % 3 == 0 ? 500 : UINT64_MAX);
    if (frame % 7 == 0 && played->now() < seconds(24)) played->stepEvent();
    if (frame % 11 == 0 && played->now() < seconds(24)) played->stepRequest();
    ++frame;
  }
  ASSERT_EQ(played->now(), seconds(25));

  auto jumped = testing::openShippedSession("outage_with_breaker.json");
  SessionDigestListener b;
  jumped->addListener(&b);
  const JumpReport report = jumped->jumpTo(seconds(25));
  EXPECT_EQ(report.target, seconds(25));
  EXPECT_EQ(jumped->events(), played->events());
  EXPECT_EQ(jumped->traceHash(), played->traceHash());
  EXPECT_EQ(b.requests, a.requests);
  EXPECT_EQ(b.arrivals, a.arrivals);
  EXPECT_EQ(b.snapshots, 250u);
  EXPECT_EQ(a.snapshots, 250u);
  EXPECT_EQ(b.hash, a.hash);
  EXPECT_GT(a.requests, 5000u);
  EXPECT_EQ(a.title, "outage-with-breaker");
}

TEST(SimSessionTest, ARewindReRunsFromZeroAndChecksTheCheckpoints) {
  auto s = testing::openShippedSession("boundary_burst.json");
  SessionDigestListener l;
  s->addListener(&l);
  s->advance(seconds(65));
  const std::uint64_t hashAt65 = l.hash;
  EXPECT_EQ(s->checkpoints().size(), 65u);
  const JumpReport back = s->jumpTo(seconds(61));
  EXPECT_EQ(back.compared, 61u);
  EXPECT_TRUE(back.exact());
  EXPECT_EQ(s->now(), seconds(61));
  EXPECT_EQ(l.resetsTotal, 2u);  // added, then one re-run
  const JumpReport forward = s->jumpTo(seconds(65));
  EXPECT_EQ(forward.compared, 65u);
  EXPECT_TRUE(forward.exact());
  EXPECT_EQ(l.hash, hashAt65);
}

TEST(SimSessionTest, StepsMoveByAnEventARequestAndASecond) {
  auto s = testing::openShippedSession("boundary_burst.json");
  SessionDigestListener l;
  s->addListener(&l);
  ASSERT_TRUE(s->stepEvent());
  EXPECT_EQ(s->events(), 1u);
  // The burster starts at 59 s: every tick before its first request is delivered first.
  EXPECT_GE(s->now(), seconds(59));
  EXPECT_EQ(l.snapshots, 589u);  // 0.1 s .. 58.9 s; the one at 59 s comes after its events
  ASSERT_TRUE(s->stepRequest());
  EXPECT_EQ(l.requests, 1u);
  s->stepSecond();
  EXPECT_EQ(s->now(), seconds(60));
  EXPECT_EQ(l.lastSnapshotAt, seconds(60));
  EXPECT_GE(l.requests, 99u);  // 100 per second, 5 ms each
  EXPECT_LE(l.requests, 100u);
}

TEST(SimSessionTest, LiveChangesAreOnTheTimelineReplayedAndExported) {
  auto s = testing::openShippedSession("boundary_burst.json");
  SessionDigestListener l;
  s->addListener(&l);
  s->advance(seconds(59) + gateway::millis(500));
  gwsim::ConfigChange change{0, {{"/rate_limits/tiers/free/algorithm", "sliding_log"}}, "lab"};
  ASSERT_TRUE(s->changeConfig(change).empty());
  gwsim::FaultSpec slow;
  slow.kind = gwsim::FaultSpec::Kind::kLatency;
  slow.service = "api";
  slow.latency = gateway::millis(20);
  slow.duration = seconds(1);
  s->injectFault(slow);
  ASSERT_EQ(s->timeline().size(), 2u);
  EXPECT_EQ(s->timeline()[0].kind, "change");
  EXPECT_EQ(s->timeline()[1].kind, "fault");
  EXPECT_EQ(s->timeline()[0].at, seconds(59) + gateway::millis(500) + 1);
  const auto bad = s->changeConfig({0, {{"/rate_limits/tiers/free/algorithm", "nope"}}, ""});
  EXPECT_FALSE(bad.empty());
  EXPECT_EQ(s->timeline().size(), 2u);
  s->advance(seconds(70) - s->now());
  EXPECT_EQ(s->now(), seconds(70));
  const std::uint64_t liveHash = s->traceHash();
  const std::uint64_t liveDigest = l.hash;

  // A re-run replays the timeline: the same state.
  s->jumpTo(seconds(70));
  EXPECT_EQ(s->traceHash(), liveHash);
  EXPECT_EQ(l.hash, liveDigest);

  // The exported scenario, run by gwsim, ends in the same state.
  const nlohmann::json exported = s->exportScenario();
  ASSERT_EQ(exported["changes"].size(), 1u);
  ASSERT_EQ(exported["faults"].size(), 1u);
  auto load = gwsim::loadScenarioJson(exported, GATEWAY_SOURCE_DIR "/scenarios");
  ASSERT_TRUE(load.ok()) << load.errors.text();
  gwsim::SimulationRun replay(*load.scenario, {});
  replay.advanceTo(seconds(70));
  EXPECT_EQ(replay.traceHash(), liveHash);

  // Without the switch the fixed window admits all 200; sliding_log from 59.5 s admits fewer.
  auto plain = testing::openShippedSession("boundary_burst.json");
  plain->advance(seconds(70));
  EXPECT_NE(plain->traceHash(), liveHash);
  EXPECT_EQ(plain->run().result().limiterAllowed, 200u);
  EXPECT_LT(replay.result().limiterAllowed, 200u);
}

TEST(SimSessionTest, RestartWithAnotherSeedChangesTheRunAndKeepsTheTimeline) {
  auto s = testing::openShippedSession("outage_with_breaker.json");
  s->advance(seconds(5));
  const std::uint64_t first = s->traceHash();
  s->restart(12345);
  EXPECT_EQ(s->seed(), 12345u);
  EXPECT_EQ(s->now(), 0);
  EXPECT_TRUE(s->checkpoints().empty());
  s->advance(seconds(5));
  EXPECT_NE(s->traceHash(), first);
  EXPECT_EQ(s->exportScenario()["seed"], 12345u);
}

}  // namespace
}  // namespace gwdash
