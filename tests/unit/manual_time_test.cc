// ManualClock and ManualScheduler: timers fire in (time, sequence) order, the clock follows
// them and never goes backwards, cancel works, runUntil stops at its bound.
#include "libgateway/core/manual_time.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace gateway {
namespace {

struct Fixture {
  ManualClock clock{1000};
  ManualScheduler scheduler{clock};
  std::vector<std::string> log;
  TimerId at(TimePoint t, std::string name) {
    return scheduler.schedule(t, [this, name] { log.push_back(name + "@" + std::to_string(clock.now())); });
  }
};

TEST(ManualClockTest, SetAndAdvance) {
  ManualClock clock(5);
  EXPECT_EQ(clock.now(), 5);
  clock.advance(millis(3));
  EXPECT_EQ(clock.now(), 3005);
  clock.set(seconds(2));
  EXPECT_EQ(clock.now(), 2'000'000);
}

TEST(ManualSchedulerTest, FiresInTimeThenSequenceOrder) {
  Fixture f;
  f.at(3000, "c");
  f.at(2000, "a1");
  f.at(5000, "d");
  f.at(2000, "a2");  // same time as a1, scheduled later: fires after it
  f.at(2500, "b");
  EXPECT_EQ(f.scheduler.pending(), 5u);
  EXPECT_EQ(f.scheduler.nextTime(), 2000);
  EXPECT_EQ(f.scheduler.runAll(), 5u);
  EXPECT_EQ(f.log, (std::vector<std::string>{"a1@2000", "a2@2000", "b@2500", "c@3000", "d@5000"}));
  EXPECT_EQ(f.clock.now(), 5000);
  EXPECT_EQ(f.scheduler.pending(), 0u);
  EXPECT_EQ(f.scheduler.nextTime(), kNever);
  EXPECT_EQ(f.scheduler.fired(), 5u);
  EXPECT_FALSE(f.scheduler.runNext());
}

TEST(ManualSchedulerTest, TimerScheduledFromCallbackAtSameTimeRunsAfterQueuedOnes) {
  Fixture f;
  f.scheduler.schedule(2000, [&] {
    f.log.push_back("first");
    f.at(2000, "nested");  // same instant, higher sequence number
  });
  f.at(2000, "second");
  f.scheduler.runAll();
  EXPECT_EQ(f.log, (std::vector<std::string>{"first", "second@2000", "nested@2000"}));
}

TEST(ManualSchedulerTest, PastTimesFireAtNowAndClockNeverGoesBack) {
  Fixture f;
  f.at(1500, "due");
  f.clock.set(4000);
  f.at(10, "past");  // clamped to now (4000), after "due" which was scheduled first
  f.scheduler.runAll();
  EXPECT_EQ(f.log, (std::vector<std::string>{"due@4000", "past@4000"}));
  EXPECT_EQ(f.clock.now(), 4000);
}

TEST(ManualSchedulerTest, CancelPreventsFiring) {
  Fixture f;
  const TimerId a = f.at(2000, "a");
  const TimerId b = f.at(3000, "b");
  f.at(4000, "c");
  EXPECT_NE(a, b);
  f.scheduler.cancel(b);
  EXPECT_EQ(f.scheduler.pending(), 2u);
  f.scheduler.cancel(a);
  EXPECT_EQ(f.scheduler.nextTime(), 4000);  // cancelled heads are skipped
  f.scheduler.cancel(a);                     // twice: a no-op
  f.scheduler.cancel(9999);                  // unknown: a no-op
  EXPECT_EQ(f.scheduler.runAll(), 1u);
  EXPECT_EQ(f.log, (std::vector<std::string>{"c@4000"}));
  EXPECT_EQ(f.scheduler.fired(), 1u);
}

TEST(ManualSchedulerTest, CancelAfterFiringIsANoOp) {
  Fixture f;
  const TimerId a = f.at(2000, "a");
  f.scheduler.runAll();
  f.scheduler.cancel(a);
  f.at(3000, "b");
  EXPECT_EQ(f.scheduler.pending(), 1u);
  f.scheduler.runAll();
  EXPECT_EQ(f.log, (std::vector<std::string>{"a@2000", "b@3000"}));
}

TEST(ManualSchedulerTest, StaleIdNeverCancelsANewerTimer) {
  // Ids of fired or cancelled timers may share storage with newer timers; cancelling an old
  // id (a Gateway's late clean-up) must not touch the newer one.
  Fixture f;
  const TimerId cancelled = f.at(2000, "cancelled");
  f.scheduler.cancel(cancelled);
  const TimerId fired = f.at(2000, "fired");
  f.scheduler.runAll();
  std::set<TimerId> ids = {cancelled, fired};
  for (int i = 0; i < 100; ++i) {
    const TimerId id = f.at(3000 + i, std::string("t").append(std::to_string(i)));
    EXPECT_TRUE(ids.insert(id).second) << "id reused: " << id;
    f.scheduler.cancel(cancelled);
    f.scheduler.cancel(fired);
  }
  EXPECT_EQ(f.scheduler.pending(), 100u);
  EXPECT_EQ(f.scheduler.runAll(), 100u);
  EXPECT_EQ(f.log.size(), 101u);
  EXPECT_EQ(f.log.back(), "t99@3099");
}

TEST(ManualSchedulerTest, CallbackCanCancelALaterTimer) {
  Fixture f;
  TimerId later = 0;
  f.scheduler.schedule(2000, [&] { f.scheduler.cancel(later); });
  later = f.at(3000, "later");
  f.scheduler.runAll();
  EXPECT_TRUE(f.log.empty());
}

TEST(ManualSchedulerTest, RunUntilFiresDueTimersIncludingNewOnesAndSetsClock) {
  Fixture f;
  f.at(2000, "a");
  f.scheduler.schedule(3000, [&] {
    f.log.push_back("b");
    f.at(3500, "inside");   // inside the window: fires in this call
    f.at(6000, "outside");  // after it: stays queued
  });
  f.at(5000, "boundary");  // exactly at `until`: fires
  f.at(5001, "after");
  EXPECT_EQ(f.scheduler.runUntil(5000), 4u);
  EXPECT_EQ(f.log, (std::vector<std::string>{"a@2000", "b", "inside@3500", "boundary@5000"}));
  EXPECT_EQ(f.clock.now(), 5000);
  EXPECT_EQ(f.scheduler.pending(), 2u);
  EXPECT_EQ(f.scheduler.nextTime(), 5001);

  EXPECT_EQ(f.scheduler.runUntil(5001), 1u);
  EXPECT_EQ(f.log.back(), "after@5001");
  // Nothing due: the clock still moves to `until`.
  EXPECT_EQ(f.scheduler.runUntil(5500), 0u);
  EXPECT_EQ(f.clock.now(), 5500);
  // An earlier `until` never moves the clock back.
  EXPECT_EQ(f.scheduler.runUntil(100), 0u);
  EXPECT_EQ(f.clock.now(), 5500);
}

TEST(ManualSchedulerTest, RunUntilNeverDrainsAndTerminates) {
  Fixture f;
  f.at(2000, "a");
  f.at(3000, "b");
  EXPECT_EQ(f.scheduler.runUntil(kNever), 2u);
  EXPECT_EQ(f.log, (std::vector<std::string>{"a@2000", "b@3000"}));
  EXPECT_EQ(f.scheduler.runUntil(kNever), 0u);
}

TEST(ManualSchedulerTest, RunAllRespectsMaxEvents) {
  Fixture f;
  // A timer that reschedules itself forever; runAll must stop at the cap.
  std::function<void()> tick = [&] { f.scheduler.schedule(f.clock.now() + 10, tick); };
  f.scheduler.schedule(1000, tick);
  EXPECT_EQ(f.scheduler.runAll(25), 25u);
  EXPECT_EQ(f.clock.now(), 1000 + 24 * 10);
  EXPECT_EQ(f.scheduler.pending(), 1u);
}

}  // namespace
}  // namespace gateway
