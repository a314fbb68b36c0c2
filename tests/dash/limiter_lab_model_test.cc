// The limiter lab's model: one traffic stream into every algorithm, with literal timestamps.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "sim/engine/arrival.h"
#include "tools/gwdash/model/limiter_lab_model.h"

namespace gwdash {
namespace {

using gateway::millis;
using gateway::seconds;

std::shared_ptr<const gateway::Config> labConfigWith(gateway::LimiterSpec spec, gateway::LimitKey key, bool tier) {
  auto config = std::make_shared<gateway::Config>();
  gateway::RateLimitPolicy policy;
  policy.name = "free";
  policy.spec = spec;
  policy.key = key;
  (tier ? config->rateLimits.tiers : config->rateLimits.policies)["free"] = policy;
  return config;
}

gateway::LimiterSpec labWindowSpec(gateway::LimiterAlgorithm algorithm, std::int64_t limit, gateway::Duration window) {
  gateway::LimiterSpec spec;
  spec.algorithm = algorithm;
  spec.limit = limit;
  spec.window = window;
  return spec;
}

DashboardContext labContext(std::shared_ptr<const gateway::Config> config) {
  DashboardContext context;
  context.config = std::move(config);
  context.title = "lab";
  return context;
}

void labFeed(LimiterLabModel& model, gateway::TimePoint at, int count, std::uint32_t client = 0) {
  for (int i = 0; i < count; ++i) model.onArrival(gwsim::Arrival{at, 0, client, nullptr});
}

const LabLane& labLane(const LimiterLabModel& model, const std::string& algorithm) {
  for (const LabLane& lane : model.lanes()) {
    if (lane.algorithm == algorithm) return lane;
  }
  ADD_FAILURE() << "no lane " << algorithm;
  static const LabLane kNone;
  return kNone;
}

TEST(LimiterLabModelTest, BoundaryBurstPassesFixedWindowTwiceAndSlidingLogOnce) {
  LimiterLabModel model;
  model.reset(labContext(labConfigWith(labWindowSpec(gateway::LimiterAlgorithm::kFixedWindow, 100, seconds(60)),
                                       gateway::LimitKey::kConsumer, true)));
  ASSERT_EQ(model.reference().limit, 100);
  ASSERT_EQ(model.reference().window, seconds(60));
  EXPECT_EQ(model.reference().source, "tier:free (fixed_window)");
  labFeed(model, millis(59'900), 100);
  labFeed(model, seconds(60), 100);
  model.onSnapshot(seconds(61), nlohmann::json::object());
  EXPECT_EQ(model.ticks(), 611u);  // 0, 0.1 s, ... 61.0 s
  ASSERT_EQ(model.lanes().size(), 7u);

  const LabLane& fixed = labLane(model, "fixed_window");
  ASSERT_EQ(fixed.admitted.size(), 61u);
  EXPECT_EQ(fixed.admitted[59], 100);
  EXPECT_EQ(fixed.admitted[60], 100);
  EXPECT_EQ(fixed.totalDenied, 0);
  EXPECT_EQ(fixed.maxInWindow, 200);  // 200 within 100 ms, against 100 per 60 s
  EXPECT_EQ(fixed.maxAt, seconds(60));

  const LabLane& log = labLane(model, "sliding_log");
  EXPECT_EQ(log.admitted[59], 100);
  EXPECT_EQ(log.admitted[60], 0);
  EXPECT_EQ(log.denied[60], 100);
  EXPECT_EQ(log.maxInWindow, 100);
  for (const char* exact : {"sliding_counter", "token_bucket", "gcra", "leaky_bucket"}) {
    EXPECT_EQ(labLane(model, exact).maxInWindow, 100) << exact;
  }
  EXPECT_EQ(labLane(model, "concurrency").maxInWindow, 2);  // ceil(100 * 1 s / 60 s) in flight

  // Gauges: tick 600 (60.0 s) shows the state before the second burst, tick 601 after it.
  EXPECT_FLOAT_EQ(fixed.level[599], 0.0f);
  EXPECT_FLOAT_EQ(fixed.level[600], 0.0f);  // a new window: the first burst no longer counts
  EXPECT_FLOAT_EQ(fixed.level[601], 100.0f);
  EXPECT_FLOAT_EQ(log.level[599], 0.0f);
  EXPECT_FLOAT_EQ(log.level[600], 100.0f);
  EXPECT_FLOAT_EQ(log.level[601], 100.0f);
  const LabLane& bucket = labLane(model, "token_bucket");
  EXPECT_FLOAT_EQ(bucket.level[599], 100.0f);
  EXPECT_NEAR(bucket.level[601], 0.2 * 1.667, 1e-3);  // 200 ms of refill at 100 per 60 s
  EXPECT_EQ(bucket.last.remaining, labLane(model, "gcra").last.remaining);
  EXPECT_GT(labLane(model, "gcra").level[601], 59'000.0f);  // TAT ~ 100 x 600 ms ahead
  EXPECT_NEAR(labLane(model, "leaky_bucket").level[601], 100.0 - 0.2 * 1.667, 1e-3);
  EXPECT_EQ(model.watchedKey(), "client 0.0");

  EXPECT_EQ(model.lesson(), "fixed_window let 2.0x the limit through at 60 s (200 in 60 s; the limit is 100 per 60 s): "
            "a full window on each side of a boundary");
}

TEST(LimiterLabModelTest, ReferenceComesFromTheFirstTierElseAPolicyElseTheDefault) {
  EXPECT_EQ(labReference(nullptr).limit, 100);
  EXPECT_EQ(labReference(nullptr).window, seconds(10));
  EXPECT_EQ(labReference(nullptr).source, "default");

  gateway::LimiterSpec rate;
  rate.algorithm = gateway::LimiterAlgorithm::kTokenBucket;
  rate.rateMilli = 10'000;
  rate.burst = 20;
  LabReference ref = labReference(labConfigWith(rate, gateway::LimitKey::kRoute, false).get());
  EXPECT_EQ(ref.limit, 20);
  EXPECT_EQ(ref.window, seconds(2));  // burst / rate
  EXPECT_EQ(ref.source, "policy:free (token_bucket)");
  EXPECT_TRUE(ref.oneKey);

  gateway::LimiterSpec concurrency;
  concurrency.algorithm = gateway::LimiterAlgorithm::kConcurrency;
  concurrency.limit = 5;
  EXPECT_EQ(labReference(labConfigWith(concurrency, gateway::LimitKey::kConsumer, true).get()).source, "default");
}

TEST(LimiterLabModelTest, OneKeyPerClientUnlessTheLimitIsPerRoute) {
  const auto spec = labWindowSpec(gateway::LimiterAlgorithm::kSlidingLog, 10, seconds(1));
  LimiterLabModel perClient;
  perClient.reset(labContext(labConfigWith(spec, gateway::LimitKey::kConsumer, true)));
  labFeed(perClient, millis(500), 10, 0);
  labFeed(perClient, millis(500), 10, 1);
  labFeed(perClient, millis(500), 1, 1);
  EXPECT_EQ(labLane(perClient, "sliding_log").totalAdmitted, 20);
  EXPECT_EQ(labLane(perClient, "sliding_log").totalDenied, 1);
  EXPECT_EQ(perClient.keyCount(), 2u);
  EXPECT_EQ(perClient.arrivalsOf("client 0.1"), 11);

  LimiterLabModel perRoute;
  perRoute.reset(labContext(labConfigWith(spec, gateway::LimitKey::kRoute, false)));
  labFeed(perRoute, millis(500), 10, 0);
  labFeed(perRoute, millis(500), 10, 1);
  EXPECT_EQ(labLane(perRoute, "sliding_log").totalAdmitted, 10);
  EXPECT_EQ(perRoute.keyCount(), 1u);
}

TEST(LimiterLabModelTest, ConcurrencyReleasesAfterItsHold) {
  LimiterLabModel model;
  model.reset(labContext(labConfigWith(labWindowSpec(gateway::LimiterAlgorithm::kFixedWindow, 3, seconds(1)),
                                       gateway::LimitKey::kConsumer, true)));
  const LabLane& lane = labLane(model, "concurrency");
  EXPECT_EQ(lane.parameters, "3 in flight, each held 1 s");
  labFeed(model, 0, 5);
  EXPECT_EQ(lane.totalAdmitted, 3);
  model.advanceTo(millis(900));
  EXPECT_FLOAT_EQ(lane.level.back(), 3.0f);
  labFeed(model, seconds(1), 5);  // the holds end at 1 s, before the arrivals at 1 s
  EXPECT_EQ(lane.totalAdmitted, 6);
  model.advanceTo(millis(1'500));
  EXPECT_FLOAT_EQ(lane.level.back(), 3.0f);
  model.advanceTo(millis(2'100));
  EXPECT_FLOAT_EQ(lane.level.back(), 0.0f);
}

TEST(LimiterLabModelTest, WatchedKeyIsTheHottestUnlessOneIsChosen) {
  LimiterLabModel model;
  model.reset(labContext(nullptr));  // default: 100 per 10 s
  labFeed(model, millis(100), 3, 0);
  labFeed(model, millis(200), 50, 1);
  model.advanceTo(millis(300));
  EXPECT_EQ(model.watchedKey(), "client 0.1");
  const LabLane& fixed = labLane(model, "fixed_window");
  EXPECT_FLOAT_EQ(fixed.level.back(), 50.0f);
  model.watch("client 0.0");
  model.advanceTo(millis(400));
  EXPECT_EQ(model.watchedKey(), "client 0.0");
  EXPECT_FLOAT_EQ(fixed.level.back(), 3.0f);
  model.watch(std::nullopt);
  model.advanceTo(millis(500));
  EXPECT_FLOAT_EQ(fixed.level.back(), 50.0f);
}

TEST(LimiterLabModelTest, LessonWithoutOvershootAndAfterAConfigChange) {
  LimiterLabModel model;
  model.reset(labContext(labConfigWith(labWindowSpec(gateway::LimiterAlgorithm::kSlidingLog, 10, seconds(10)),
                                       gateway::LimitKey::kConsumer, true)));
  EXPECT_EQ(model.lesson(), "No traffic yet.");
  labFeed(model, seconds(1), 1);
  EXPECT_EQ(model.lesson(), "The traffic stays within 10 per 10 s: no algorithm denied anything yet.");
  labFeed(model, seconds(1), 10);
  EXPECT_EQ(labLane(model, "sliding_log").totalDenied, 1);
  EXPECT_EQ(model.lesson(), "Every algorithm held each key within 10 per 10 s; they differ in what they denied and when.");

  // The same limit with another algorithm: the lab runs them all already, nothing restarts.
  model.onConfig(labContext(labConfigWith(labWindowSpec(gateway::LimiterAlgorithm::kFixedWindow, 10, seconds(10)),
                                          gateway::LimitKey::kConsumer, true)));
  EXPECT_EQ(model.reference().source, "tier:free (fixed_window)");
  labFeed(model, seconds(3), 1);
  EXPECT_EQ(labLane(model, "sliding_log").totalDenied, 2);
  // A new limit: fresh limiters, the series go on.
  model.onConfig(labContext(labConfigWith(labWindowSpec(gateway::LimiterAlgorithm::kFixedWindow, 20, seconds(10)),
                                          gateway::LimitKey::kConsumer, true)));
  labFeed(model, seconds(4), 1);
  EXPECT_EQ(labLane(model, "sliding_log").totalDenied, 2);
  EXPECT_EQ(labLane(model, "sliding_log").totalAdmitted, 11);
  EXPECT_EQ(labLane(model, "sliding_log").parameters, "20 per 10 s");
}

// A stream of arrivals from three clients: 0..2 s in 7 ms steps, bursts at the 1 s boundary.
void labStream(LimiterLabModel& model, bool snapshotEveryTick) {
  gateway::TimePoint nextTick = 0;
  for (gateway::TimePoint at = 0; at < seconds(3); at += millis(7)) {
    while (snapshotEveryTick && nextTick < at) {
      model.onSnapshot(nextTick, nlohmann::json::object());
      nextTick += LimiterLabModel::kTick;
    }
    const int burst = (at > millis(950) && at < millis(1'050)) ? 9 : 1;
    labFeed(model, at, burst, static_cast<std::uint32_t>(at / millis(7) % 3));
  }
  model.onSnapshot(seconds(3), nlohmann::json::object());
}

TEST(LimiterLabModelTest, SmallStepsEqualOneJump) {
  const auto config = labConfigWith(labWindowSpec(gateway::LimiterAlgorithm::kFixedWindow, 20, seconds(1)),
                                    gateway::LimitKey::kConsumer, true);
  LimiterLabModel stepped;
  stepped.reset(labContext(config));
  labStream(stepped, true);
  LimiterLabModel jumped;
  jumped.reset(labContext(config));
  labStream(jumped, false);
  EXPECT_EQ(stepped.digest(), jumped.digest());
  EXPECT_EQ(stepped.ticks(), 31u);
  EXPECT_GT(labLane(stepped, "fixed_window").maxInWindow, 20);

  LimiterLabModel other;  // a different limit gives a different digest
  other.reset(labContext(labConfigWith(labWindowSpec(gateway::LimiterAlgorithm::kFixedWindow, 21, seconds(1)),
                                       gateway::LimitKey::kConsumer, true)));
  labStream(other, false);
  EXPECT_NE(other.digest(), jumped.digest());
  // reset() forgets the run: the same stream again gives the same digest.
  jumped.reset(labContext(config));
  labStream(jumped, true);
  EXPECT_EQ(stepped.digest(), jumped.digest());
}

TEST(LimiterLabModelTest, LiveStoresComeFromSnapshotsWithoutTicks) {
  LimiterLabModel model;
  model.reset(labContext(nullptr));
  const auto snapshot = [](std::int64_t allowed, std::int64_t denied) {
    return nlohmann::json{{"rate_limits",
                           {{"tier:free", {{"algorithm", "gcra"}, {"keys", 3}, {"allowed", allowed}, {"denied", denied}}}}}};
  };
  // gatewayd's clock: an arbitrary epoch, far from 0.
  model.onSnapshot(seconds(86'400), snapshot(100, 5));
  model.onSnapshot(seconds(86'400) + millis(500), snapshot(150, 25));
  EXPECT_EQ(model.ticks(), 0u);
  ASSERT_EQ(model.stores().size(), 1u);
  const LabStore& store = model.stores()[0];
  EXPECT_EQ(store.id, "tier:free");
  EXPECT_EQ(store.algorithm, "gcra");
  EXPECT_EQ(store.keys, 3);
  EXPECT_EQ(store.allowed, 150);
  ASSERT_EQ(store.allowedRate.size(), 1u);
  EXPECT_FLOAT_EQ(store.allowedRate[0], 100.0f);  // 50 in 0.5 s
  EXPECT_FLOAT_EQ(store.deniedRate[0], 40.0f);
  EXPECT_EQ(model.lesson(), "The gateway's own rate_limits stores, live: allowed and denied per second.");
}

}  // namespace
}  // namespace gwdash
