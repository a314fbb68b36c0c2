// Request coalescing: 1,000 concurrent misses on one key make exactly one upstream fetch and
// every waiter gets the same body; a fill that fails or is not storable releases the waiters
// to their own fetch; a waiter's own timeout; a fill on one worker waking a waiter on another
// (two Gateways, two schedulers, one SharedState) through Scheduler::post; a fill whose
// exchange goes away (its worker stopped) releases its waiters.
#include <gtest/gtest.h>

#include <set>

#include "cache_test_support.h"

namespace gateway {
namespace {

using testing::CacheHarness;
using testing::cacheStatus;
using testing::makeRequest;

using Slot = std::shared_ptr<std::optional<Response>>;

TEST(CacheCoalescing, AThousandConcurrentMissesMakeOneUpstreamFetch) {
  CacheHarness h;
  constexpr int kRequests = 1000;
  std::vector<Slot> slots;
  for (int i = 0; i < kRequests; ++i) slots.push_back(h.start(makeRequest("GET", "/items/hot")));
  EXPECT_EQ(h.transport.total, 1u);
  EXPECT_EQ(h.answered, 0u);
  EXPECT_EQ(h.routeCache()->fills()->waiting(), kRequests - 1u);
  h.respondJson("{\"hot\":true}");
  EXPECT_EQ(h.answered, 1u) << "the leader at once; the waiters when their wakes run";
  h.runDue();
  ASSERT_EQ(h.answered, static_cast<std::size_t>(kRequests));
  std::set<std::string> bodies, ids;
  int hits = 0;
  for (const Slot& s : slots) {
    ASSERT_TRUE(s->has_value());
    EXPECT_EQ((*s)->status, 200);
    bodies.insert((*s)->body);
    ids.insert(std::string((*s)->headers.get("x-correlation-id")));
    hits += cacheStatus(s) == "HIT";
  }
  EXPECT_EQ(bodies, std::set<std::string>{"{\"hot\":true}"});
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kRequests));
  EXPECT_EQ(hits, kRequests - 1);
  EXPECT_EQ(cacheStatus(slots[0]), "MISS");
  EXPECT_EQ(h.transport.total, 1u);
  EXPECT_EQ(h.routeCache()->counters().coalesced.load(), kRequests - 1u);
  EXPECT_EQ(h.routeCache()->fills()->inFlight(), 0u);
  EXPECT_EQ(h.gateway.inFlight(), 0u);
  EXPECT_EQ(h.scheduler.pending(), 0u) << "every waiter's timer was cancelled";
}

TEST(CacheCoalescing, AFailedOrUnstorableFillReleasesTheWaitersToTheirOwnFetch) {
  CacheHarness h;
  std::vector<Slot> slots;
  for (int i = 0; i < 5; ++i) slots.push_back(h.start(makeRequest("GET", "/items/f")));
  h.transport.respond(500, "boom", Headers{{"Content-Type", "application/json"}});
  EXPECT_EQ((*slots[0])->status, 500);
  h.runDue();
  ASSERT_EQ(h.transport.sends.size(), 4u) << "each waiter fetches on its own";
  for (int i = 0; i < 4; ++i) h.respondJson("ok-" + std::to_string(i));
  for (int i = 1; i < 5; ++i) {
    ASSERT_TRUE(slots[i]->has_value());
    EXPECT_EQ(cacheStatus(slots[i]), "MISS");
  }
  EXPECT_EQ(h.routeCache()->store().entries(), 1u) << "their answers may be stored";

  // Not storable (Set-Cookie): the waiters must not get it.
  slots.clear();
  for (int i = 0; i < 3; ++i) slots.push_back(h.start(makeRequest("GET", "/items/cookie")));
  h.respondJson("for-one-client", Headers{{"Set-Cookie", "sid=9"}});
  h.runDue();
  ASSERT_EQ(h.transport.sends.size(), 2u);
  h.respondJson("a");
  h.respondJson("b");
  EXPECT_NE((*slots[1])->body, "for-one-client");
  EXPECT_NE((*slots[2])->body, "for-one-client");
}

TEST(CacheCoalescing, AWaiterGivesUpAfterItsCoalesceTimeout) {
  CacheHarness h({{"coalesce_timeout_ms", 100}});
  Slot leader = h.start(makeRequest("GET", "/items/slow"));
  Slot waiter = h.start(makeRequest("GET", "/items/slow"));
  EXPECT_EQ(h.transport.total, 1u);
  h.scheduler.runUntil(h.clock.now() + millis(99));
  EXPECT_EQ(h.transport.total, 1u);
  h.scheduler.runUntil(h.clock.now() + millis(1));
  ASSERT_EQ(h.transport.total, 2u) << "the waiter went upstream on its own";
  EXPECT_EQ(h.routeCache()->fills()->waiting(), 0u);
  h.respondJson("leader's");
  h.respondJson("waiter's");
  EXPECT_EQ((*leader)->body, "leader's");
  EXPECT_EQ((*waiter)->body, "waiter's");
  h.runDue();
  EXPECT_EQ(h.answered, 2u);
}

TEST(CacheCoalescing, WithoutCoalescingEveryMissGoesUpstream) {
  CacheHarness h({{"coalesce", false}});
  for (int i = 0; i < 3; ++i) h.start(makeRequest("GET", "/items/nc"));
  EXPECT_EQ(h.transport.total, 3u);
}

// Two workers: two Gateways with their own schedulers and transports, one SharedState.
struct TwoWorkers {
  TwoWorkers()
      : shared(testing::mustLoad(testing::cacheConfigJson(nlohmann::json::object()))),
        env1{clock, scheduler1, transport1, random},
        env2{clock, scheduler2, transport2, random} {
    gateway1 = std::make_unique<Gateway>(shared, env1);
    gateway2 = std::make_unique<Gateway>(shared, env2);
    installStandardStages(*gateway1, shared, env1);
    installStandardStages(*gateway2, shared, env2);
  }
  std::size_t registryFills() { return shared.findStageShared<CacheRegistry>("cache")->find("items")->fills()->inFlight(); }
  Slot start(Gateway& gateway) {
    auto slot = std::make_shared<std::optional<Response>>();
    gateway.handle(makeRequest("GET", "/items/shared"), [slot](Response r) { *slot = std::move(r); });
    return slot;
  }
  ManualClock clock{seconds(1)};
  ManualScheduler scheduler1{clock}, scheduler2{clock};
  testing::FakeTransport transport1, transport2;
  Random random{7};
  SharedState shared;
  Env env1, env2;
  std::unique_ptr<Gateway> gateway1, gateway2;
};

TEST(CacheCoalescing, AFillOnOneWorkerWakesAWaiterOnAnotherThroughItsScheduler) {
  TwoWorkers w;
  Slot leader = w.start(*w.gateway1);
  Slot waiter = w.start(*w.gateway2);
  EXPECT_EQ(w.transport1.total, 1u);
  EXPECT_EQ(w.transport2.total, 0u) << "the second worker waits for the first one's fill";
  Headers h{{"Content-Type", "application/json"}};
  w.transport1.respond(200, "shared body", h);
  ASSERT_TRUE(leader->has_value());
  EXPECT_FALSE(waiter->has_value()) << "woken on its own worker's thread, not the filler's";
  EXPECT_EQ(w.scheduler1.runUntil(w.clock.now()), 0u);
  EXPECT_EQ(w.scheduler2.runUntil(w.clock.now()), 1u) << "one posted wake";
  ASSERT_TRUE(waiter->has_value());
  EXPECT_EQ((*waiter)->body, "shared body");
  EXPECT_EQ((*waiter)->headers.get("x-cache"), "HIT");
  // And the entry serves the second worker directly afterwards.
  Slot hit = w.start(*w.gateway2);
  EXPECT_EQ((*hit)->headers.get("x-cache"), "HIT");
}

TEST(CacheCoalescing, AFillWhoseExchangeGoesAwayReleasesItsWaiters) {
  TwoWorkers w;
  w.start(*w.gateway1);
  Slot waiter = w.start(*w.gateway2);
  // The leader's worker stops (its Gateway lets go of the call in flight, and its transport
  // would go with it): the leader's exchange ends without an answer to store.
  w.gateway1.reset();
  w.transport1.sends.clear();
  EXPECT_EQ(w.registryFills(), 0u);
  w.scheduler2.runUntil(w.clock.now());
  ASSERT_EQ(w.transport2.total, 1u) << "released to its own fetch";
  w.transport2.respond(200, "own", Headers{{"Content-Type", "application/json"}});
  EXPECT_EQ((*waiter)->body, "own");
}

TEST(CacheCoalescing, AGatewayGoingAwayTakesItsWaitersOutOfTheFills) {
  TwoWorkers w;
  Slot leader = w.start(*w.gateway1);
  w.start(*w.gateway2);
  auto registry = w.shared.findStageShared<CacheRegistry>("cache");
  ASSERT_EQ(registry->find("items")->fills()->waiting(), 1u);
  w.gateway2.reset();
  EXPECT_EQ(registry->find("items")->fills()->waiting(), 0u);
  w.transport1.respond(200, "x", Headers{{"Content-Type", "application/json"}});
  EXPECT_EQ(w.scheduler2.runUntil(w.clock.now()), 0u) << "nothing was posted to the worker that went away";
  EXPECT_TRUE(leader->has_value());
}

}  // namespace
}  // namespace gateway
