// The cache stage through a Gateway with the standard stages, in frozen time: MISS then HIT
// with Age, TTLs on the manual clock, HEAD sharing GET's entry, consumer isolation, Vary,
// what bypasses the cache and what is never stored, request Cache-Control, bodies longer
// than max_entry_bytes passing through streamed, Kong's header names.
#include <gtest/gtest.h>

#include "cache_test_support.h"
#include "libgateway/http/body_stream.h"

namespace gateway {
namespace {

using testing::CacheHarness;
using testing::cacheStatus;
using testing::makeRequest;

using Slot = std::shared_ptr<std::optional<Response>>;

TEST(CacheStage, MissThenHitWithAgeUntilTheTtlEnds) {
  CacheHarness h({{"ttl_s", 60}});
  Slot first = h.start(makeRequest("GET", "/items/1?b=2&a=1"));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  h.respondJson("{\"id\":1}", Headers{{"ETag", "\"v1\""}});
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ(cacheStatus(first), "MISS");
  EXPECT_FALSE((*first)->headers.has("age"));

  h.clock.advance(seconds(10));
  Slot hit = h.start(makeRequest("GET", "/items/1?a=1&b=2"));  // the same query, another order
  ASSERT_TRUE(hit->has_value()) << "a hit is answered at once";
  EXPECT_EQ(h.transport.total, 1u);
  EXPECT_EQ(cacheStatus(hit), "HIT");
  EXPECT_EQ((*hit)->body, "{\"id\":1}");
  EXPECT_EQ((*hit)->headers.get("etag"), "\"v1\"");
  EXPECT_EQ((*hit)->headers.get("age"), "10");
  EXPECT_FALSE((*hit)->headers.get("x-correlation-id").empty()) << "each answer has its own id";

  h.clock.advance(seconds(50));  // age 60: expired
  Slot expired = h.start(makeRequest("GET", "/items/1?a=1&b=2"));
  EXPECT_FALSE(expired->has_value());
  ASSERT_EQ(h.transport.sends.size(), 1u);
  h.respondJson("{\"id\":1,\"v\":2}");
  EXPECT_EQ(cacheStatus(expired), "EXPIRED");
  Slot again = h.start(makeRequest("GET", "/items/1?a=1&b=2"));
  EXPECT_EQ(cacheStatus(again), "HIT");
  EXPECT_EQ((*again)->body, "{\"id\":1,\"v\":2}");
  const auto cache = h.routeCache();
  ASSERT_NE(cache, nullptr);
  EXPECT_EQ(cache->counters().hits.load(), 2u);
  EXPECT_EQ(cache->counters().misses.load(), 1u);
  EXPECT_EQ(cache->counters().expired.load(), 1u);
  EXPECT_EQ(cache->counters().stores.load(), 2u);
  EXPECT_EQ(cache->store().entries(), 1u);
}

TEST(CacheStage, HeadSharesTheGetEntryAndAHeadMissIsNotStored) {
  CacheHarness h;
  Slot headMiss = h.start(makeRequest("HEAD", "/items/2"));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  EXPECT_EQ(h.transport.sends[0].request.method, "HEAD");
  h.respondJson("");
  EXPECT_EQ(cacheStatus(headMiss), "MISS");
  EXPECT_EQ(h.routeCache()->store().entries(), 0u);

  h.start(makeRequest("GET", "/items/2"));
  h.respondJson("0123456789");
  Slot head = h.start(makeRequest("HEAD", "/items/2"));
  ASSERT_TRUE(head->has_value());
  EXPECT_EQ(cacheStatus(head), "HIT");
  EXPECT_EQ((*head)->body, "");
  EXPECT_EQ((*head)->headers.get("content-length"), "10") << "the GET's length";
  EXPECT_EQ(h.transport.total, 2u);
}

TEST(CacheStage, ConsumersNeverShareAnEntry) {
  CacheHarness h;
  Slot alice = h.start(makeRequest("GET", "/members/profile", {{"X-Key", "alice-key-1"}}));
  h.respondJson("{\"me\":\"alice\"}");
  Slot bob = h.start(makeRequest("GET", "/members/profile", {{"X-Key", "bob-key-1"}}));
  ASSERT_FALSE(bob->has_value()) << "bob does not get alice's answer";
  h.respondJson("{\"me\":\"bob\"}");
  EXPECT_EQ((*bob)->body, "{\"me\":\"bob\"}");
  Slot alice2 = h.start(makeRequest("GET", "/members/profile", {{"X-Key", "alice-key-1"}}));
  EXPECT_EQ(cacheStatus(alice2), "HIT");
  EXPECT_EQ((*alice2)->body, "{\"me\":\"alice\"}");
  Slot bob2 = h.start(makeRequest("GET", "/members/profile", {{"X-Key", "bob-key-1"}}));
  EXPECT_EQ((*bob2)->body, "{\"me\":\"bob\"}");
  EXPECT_EQ(h.transport.total, 2u);
  // On an open route an API key still identifies its consumer: not the anonymous entry.
  h.start(makeRequest("GET", "/items/3"));
  h.respondJson("{\"for\":\"anyone\"}");
  Slot keyed = h.start(makeRequest("GET", "/items/3", {{"X-Key", "alice-key-1"}}));
  EXPECT_FALSE(keyed->has_value());
  EXPECT_EQ(h.transport.total, 4u);
}

TEST(CacheStage, VaryOfTheAnswerAndOfTheRouteSelectTheVariant) {
  CacheHarness h({{"vary_headers", {"X-Tenant"}}});
  h.start(makeRequest("GET", "/items/4", {{"X-Tenant", "t1"}, {"Accept-Language", "de"}}));
  h.respondJson("t1-de", Headers{{"Vary", "Accept-Language"}});
  EXPECT_EQ(cacheStatus(h.start(makeRequest("GET", "/items/4", {{"X-Tenant", "t1"}, {"Accept-Language", "de"}}))), "HIT");
  Slot fr = h.start(makeRequest("GET", "/items/4", {{"X-Tenant", "t1"}, {"Accept-Language", "fr"}}));
  EXPECT_FALSE(fr->has_value()) << "another Accept-Language: another variant";
  h.respondJson("t1-fr", Headers{{"Vary", "Accept-Language"}});
  Slot t2 = h.start(makeRequest("GET", "/items/4", {{"X-Tenant", "t2"}, {"Accept-Language", "de"}}));
  EXPECT_FALSE(t2->has_value()) << "another tenant: another key";
  h.respondJson("t2-de", Headers{{"Vary", "*"}});
  EXPECT_FALSE(h.start(makeRequest("GET", "/items/4", {{"X-Tenant", "t2"}, {"Accept-Language", "de"}}))->has_value())
      << "Vary: * is never stored";
  EXPECT_EQ((*h.start(makeRequest("GET", "/items/4", {{"X-Tenant", "t1"}, {"Accept-Language", "fr"}})))->body, "t1-fr");
}

TEST(CacheStage, BypassedRequestsAreNeitherServedNorStored) {
  CacheHarness h;
  h.start(makeRequest("GET", "/items/5"));
  h.respondJson("cached");
  const std::vector<Headers> bypassing = {{{"Authorization", "Bearer abc"}}, {{"Cookie", "sid=1"}}, {{"Range", "bytes=0-1"}}};
  for (const Headers& headers : bypassing) {
    Slot r = h.start(makeRequest("GET", "/items/5", headers));
    ASSERT_FALSE(r->has_value()) << headers[0].name;
    h.respondJson("personal");
    EXPECT_EQ(cacheStatus(r), "BYPASS");
  }
  Slot post = h.start(makeRequest("POST", "/items/5"));
  h.respondJson("created");
  EXPECT_EQ(cacheStatus(post), "BYPASS");
  EXPECT_EQ((*h.start(makeRequest("GET", "/items/5")))->body, "cached") << "nothing bypassed was stored";
  EXPECT_EQ(h.routeCache()->counters().bypass.load(), 4u);
  // Without respect_cache_control, a client cannot force a refetch.
  EXPECT_EQ(cacheStatus(h.start(makeRequest("GET", "/items/5", {{"Cache-Control", "no-cache"}}))), "HIT");
}

TEST(CacheStage, RequestCacheControlWhenRespected) {
  CacheHarness h({{"respect_cache_control", true}});
  h.start(makeRequest("GET", "/items/6"));
  h.respondJson("v1");
  h.clock.advance(seconds(20));
  Slot refetch = h.start(makeRequest("GET", "/items/6", {{"Cache-Control", "no-cache"}}));
  ASSERT_FALSE(refetch->has_value());
  h.respondJson("v2");
  EXPECT_EQ(cacheStatus(refetch), "EXPIRED");
  EXPECT_EQ((*h.start(makeRequest("GET", "/items/6")))->body, "v2");
  h.clock.advance(seconds(20));
  EXPECT_FALSE(h.start(makeRequest("GET", "/items/6", {{"Cache-Control", "max-age=10"}}))->has_value())
      << "older than the client accepts";
  h.respondJson("v3");
  Slot noStore = h.start(makeRequest("GET", "/items/6", {{"Cache-Control", "no-store"}}));
  h.respondJson("v4");
  EXPECT_EQ(cacheStatus(noStore), "BYPASS");
  EXPECT_EQ((*h.start(makeRequest("GET", "/items/6")))->body, "v3");
}

TEST(CacheStage, AnswersThatAreNeverStored) {
  CacheHarness h({{"statuses", {200, 503}}});
  auto twice = [&](const std::function<void()>& answer) {
    const std::size_t before = h.transport.total;
    h.start(makeRequest("GET", "/items/7"));
    answer();
    h.start(makeRequest("GET", "/items/7"));
    const bool stored = h.transport.total == before + 1;
    if (!stored) answer();
    return stored;
  };
  EXPECT_FALSE(twice([&] { h.respondJson("x", Headers{{"Set-Cookie", "sid=2"}}); }));
  EXPECT_FALSE(twice([&] { h.respondJson("x", Headers{{"Cache-Control", "private"}}); }));
  EXPECT_FALSE(twice([&] { h.respondJson("x", Headers{{"Cache-Control", "no-store"}}); }));
  EXPECT_FALSE(twice([&] { h.transport.respond(429, "slow down", Headers{{"Content-Type", "application/json"}}); }));
  EXPECT_FALSE(twice([&] { h.transport.fail(UpstreamOutcome::kConnectError); }))
      << "the gateway's own 502 is never stored";
  EXPECT_TRUE(twice([&] { h.transport.respond(503, "down", Headers{{"Content-Type", "application/json"}}); }))
      << "an upstream 503, listed in statuses, is";
  EXPECT_EQ(h.routeCache()->store().entries(), 1u);
}

TEST(CacheStage, ALongerBodyPassesStreamedAndUncached) {
  CacheHarness h({{"max_entry_bytes", 8}});
  Slot r = h.start(makeRequest("GET", "/items/8"));
  auto upstream = std::make_shared<BodyStream>(std::nullopt, 64);
  upstream->write("0123456789abcdef");
  upstream->end();
  UpstreamResult result;
  result.response.headers.set("Content-Type", "application/json");
  result.response.stream = upstream;
  h.transport.complete(std::move(result));
  h.runDue();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->status, 200);
  ASSERT_NE((*r)->stream, nullptr) << "passed on streamed, not a 502";
  EXPECT_EQ(cacheStatus(r), "MISS");
  EXPECT_EQ(h.routeCache()->store().entries(), 0u);
  EXPECT_FALSE(h.start(makeRequest("GET", "/items/8"))->has_value());
}

TEST(CacheStage, KongHeaderNames) {
  CacheHarness h({{"header_style", "kong"}});
  Slot miss = h.start(makeRequest("GET", "/items/9"));
  h.respondJson("k");
  EXPECT_EQ((*miss)->headers.get("x-cache-status"), "Miss");
  EXPECT_FALSE((*miss)->headers.has("x-cache"));
  EXPECT_EQ((*h.start(makeRequest("GET", "/items/9")))->headers.get("x-cache-status"), "Hit");
  Slot post = h.start(makeRequest("DELETE", "/items/9"));
  h.respondJson("");
  EXPECT_EQ((*post)->headers.get("x-cache-status"), "Bypass");
}

struct CacheOutcomeObserver final : ExchangeObserver {
  void onComplete(const Exchange& ex, const Response&) override { outcomes.emplace_back(ex.outcome); }
  std::vector<std::string> outcomes;
};

TEST(CacheStage, OutcomesSayWhatTheCacheDid) {
  CacheHarness h({{"ttl_s", 10}, {"stale_while_revalidate_s", 10}});
  CacheOutcomeObserver observer;
  h.gateway.setObserver(&observer);
  h.start(makeRequest("GET", "/items/o"));
  h.start(makeRequest("GET", "/items/o"));
  h.respondJson("o");
  h.runDue();
  h.start(makeRequest("GET", "/items/o"));
  h.clock.advance(seconds(15));
  h.start(makeRequest("GET", "/items/o"));
  EXPECT_EQ(observer.outcomes, (std::vector<std::string>{"upstream", "cache_coalesced", "cache_hit", "cache_stale"}));
}

TEST(CacheStage, OtherRoutesAreUntouched) {
  CacheHarness h;
  Slot r = h.start(makeRequest("GET", "/open/1"));
  h.respondJson("o");
  EXPECT_FALSE((*r)->headers.has("x-cache"));
  EXPECT_FALSE(h.start(makeRequest("GET", "/open/1"))->has_value());
}

}  // namespace
}  // namespace gateway
