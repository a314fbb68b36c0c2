// The stale modes (RFC 5861) on the manual clock: stale-while-revalidate answers the stale
// copy at once while exactly one background refresh runs; stale-if-error replaces a 5xx, a
// gateway error (connection failure, timeout) or an open breaker's 503 with the stale copy
// within its window, for the filler and for its waiters; the windows from Cache-Control.
#include <gtest/gtest.h>

#include "cache_test_support.h"

namespace gateway {
namespace {

using testing::CacheHarness;
using testing::cacheStatus;
using testing::makeRequest;

using Slot = std::shared_ptr<std::optional<Response>>;

TEST(CacheStaleWhileRevalidate, StaleAtOnceAndOneBackgroundRefresh) {
  CacheHarness h({{"ttl_s", 10}, {"stale_while_revalidate_s", 30}});
  h.start(makeRequest("GET", "/items/s?q=1"));
  h.respondJson("v1");
  h.clock.advance(seconds(15));
  Slot stale = h.start(makeRequest("GET", "/items/s?q=1"));
  ASSERT_TRUE(stale->has_value()) << "the client does not wait for the refresh";
  EXPECT_EQ(cacheStatus(stale), "STALE");
  EXPECT_EQ((*stale)->body, "v1");
  EXPECT_EQ((*stale)->headers.get("age"), "15");
  ASSERT_EQ(h.transport.sends.size(), 1u) << "the refresh";
  EXPECT_EQ(h.transport.sends[0].request.method, "GET");
  EXPECT_EQ(h.transport.sends[0].request.target, "/items/s?q=1");
  Slot again = h.start(makeRequest("HEAD", "/items/s?q=1"));
  EXPECT_EQ(cacheStatus(again), "STALE");
  EXPECT_EQ(h.transport.total, 2u) << "one refresh per key";

  h.clock.advance(seconds(1));
  h.respondJson("v2");
  Slot fresh = h.start(makeRequest("GET", "/items/s?q=1"));
  EXPECT_EQ(cacheStatus(fresh), "HIT");
  EXPECT_EQ((*fresh)->body, "v2");
  EXPECT_EQ((*fresh)->headers.get("age"), "1") << "the refresh's own time counts in its age";
  const auto cache = h.routeCache();
  EXPECT_EQ(cache->counters().staleServed.load(), 2u);
  EXPECT_EQ(cache->counters().refreshes.load(), 1u);
  EXPECT_EQ(cache->fills()->inFlight(), 0u);
}

TEST(CacheStaleWhileRevalidate, AFailedRefreshKeepsTheStaleCopyAndTheNextStaleHitTriesAgain) {
  CacheHarness h({{"ttl_s", 10}, {"stale_while_revalidate_s", 30}});
  h.start(makeRequest("GET", "/items/r"));
  h.respondJson("v1");
  h.clock.advance(seconds(12));
  h.start(makeRequest("GET", "/items/r"));
  h.transport.fail(UpstreamOutcome::kConnectError);
  Slot stale = h.start(makeRequest("GET", "/items/r"));
  EXPECT_EQ((*stale)->body, "v1");
  EXPECT_EQ(h.transport.total, 3u) << "a new refresh";
  h.respondJson("v2");
  EXPECT_EQ((*h.start(makeRequest("GET", "/items/r")))->body, "v2") << "the second refresh stored its answer";
  h.clock.advance(seconds(45));  // past ttl and window: a normal fetch, which the client waits for
  Slot expired = h.start(makeRequest("GET", "/items/r"));
  EXPECT_FALSE(expired->has_value());
  h.respondJson("v3");
  EXPECT_EQ(cacheStatus(expired), "EXPIRED");
}

TEST(CacheStaleWhileRevalidate, WindowFromTheAnswersCacheControl) {
  CacheHarness h({{"respect_cache_control", true}});
  h.start(makeRequest("GET", "/items/cc"));
  h.respondJson("v1", Headers{{"Cache-Control", "max-age=5, stale-while-revalidate=20"}});
  h.clock.advance(seconds(10));
  EXPECT_EQ(cacheStatus(h.start(makeRequest("GET", "/items/cc"))), "STALE");
  h.respondJson("v2", Headers{{"Cache-Control", "max-age=5, must-revalidate"}});  // the refresh
  h.clock.advance(seconds(6));
  EXPECT_FALSE(h.start(makeRequest("GET", "/items/cc"))->has_value()) << "must-revalidate: never stale";
}

class CacheStaleIfError : public ::testing::Test {
 protected:
  CacheStaleIfError() {
    h.start(makeRequest("GET", "/items/e"));
    h.respondJson("good");
    h.clock.advance(seconds(20));  // stale (ttl 10), within stale-if-error (60)
  }
  Slot fetch() { return h.start(makeRequest("GET", "/items/e")); }
  CacheHarness h{{"ttl_s", 10}, {"stale_if_error_s", 60}};
};

TEST_F(CacheStaleIfError, A5xxIsReplacedByTheStaleCopy) {
  Slot r = fetch();
  ASSERT_FALSE(r->has_value()) << "stale-if-error alone does not answer before trying";
  h.transport.respond(503, "down", Headers{{"Content-Type", "application/json"}});
  EXPECT_EQ((*r)->status, 200);
  EXPECT_EQ((*r)->body, "good");
  EXPECT_EQ(cacheStatus(r), "STALE");
  EXPECT_EQ((*r)->headers.get("age"), "20");
}

TEST_F(CacheStaleIfError, AConnectionFailureOrATimeoutToo) {
  Slot refused = fetch();
  h.transport.fail(UpstreamOutcome::kConnectError);
  EXPECT_EQ((*refused)->body, "good");
  Slot slow = fetch();
  h.scheduler.runUntil(h.clock.now() + seconds(1));  // the service's 1 s deadline
  ASSERT_TRUE(slow->has_value());
  EXPECT_EQ((*slow)->body, "good");
  EXPECT_EQ(cacheStatus(slow), "STALE");
}

TEST_F(CacheStaleIfError, WaitersOfAFailedFillGetTheStaleCopyWithoutFetching) {
  std::vector<Slot> slots;
  for (int i = 0; i < 5; ++i) slots.push_back(fetch());
  EXPECT_EQ(h.transport.sends.size(), 1u);
  h.transport.respond(500, "boom", Headers{{"Content-Type", "application/json"}});
  h.runDue();
  EXPECT_EQ(h.transport.total, 2u) << "no waiter went upstream";
  for (const Slot& s : slots) {
    ASSERT_TRUE(s->has_value());
    EXPECT_EQ((*s)->body, "good");
    EXPECT_EQ(cacheStatus(s), "STALE");
  }
  EXPECT_EQ(h.routeCache()->counters().staleServed.load(), 5u);
}

TEST_F(CacheStaleIfError, PastTheWindowTheErrorGoesThrough) {
  h.clock.advance(seconds(60));
  Slot r = fetch();
  h.transport.respond(503, "down", Headers{{"Content-Type", "application/json"}});
  EXPECT_EQ((*r)->status, 503);
  EXPECT_EQ(cacheStatus(r), "EXPIRED");
  EXPECT_EQ(h.routeCache()->store().entries(), 0u) << "the dead entry was dropped";
}

TEST(CacheStaleIfErrorBreaker, AnOpenBreakersAnswerIsAnErrorToo) {
  nlohmann::json config = testing::cacheConfigJson({{"ttl_s", 1}, {"stale_if_error_s", 600}});
  config["services"][0]["circuit_breaker"] = {{"mode", "consecutive"}, {"max_errors", 0}, {"open_ms", 60000}};
  testing::GatewayHarness h(testing::mustLoad(config));
  installStandardStages(h.gateway, h.shared, h.env);
  h.start(makeRequest("GET", "/items/b"));
  h.transport.respond(200, "kept", Headers{{"Content-Type", "application/json"}});
  h.clock.advance(seconds(5));
  h.start(makeRequest("GET", "/open/x"));  // opens the breaker
  h.transport.respond(500);
  Slot r = h.start(makeRequest("GET", "/items/b"));
  ASSERT_TRUE(r->has_value()) << "the breaker answers at once";
  EXPECT_EQ(h.transport.total, 2u);
  EXPECT_EQ((*r)->body, "kept");
  EXPECT_EQ((*r)->headers.get("x-cache"), "STALE");
}

}  // namespace
}  // namespace gateway
