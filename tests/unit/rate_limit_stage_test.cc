// The rate-limit filter in the gateway pipeline, on a manual clock: tiers per consumer,
// anonymous tier by client address, stacked policies and their order, per-route keys, the
// 429 answer (Retry-After, JSON body), the draft and legacy headers, concurrency release on
// every completion path, leaky-bucket holding, and counters surviving a reload.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libgateway/pipeline/stage_list.h"
#include "tests/unit/test_support.h"

namespace gateway {
namespace {

using testing::GatewayHarness;
using testing::makeRequest;
using testing::mustLoad;

nlohmann::json baseConfig() {
  return nlohmann::json::parse(R"({
    "services": [{"name": "svc", "instances": ["127.0.0.1:9001"], "timeout_ms": 1000}],
    "routes": [
      {"name": "a", "match": {"prefix": "/a"}, "service": "svc", "rate_limit": {"per_consumer": true}},
      {"name": "b", "match": {"prefix": "/b"}, "service": "svc", "rate_limit": {"per_consumer": true}}
    ],
    "consumers": [
      {"id": "alice", "tier": "free", "api_keys": ["alice-key-0001"]},
      {"id": "bob", "tier": "free", "api_keys": ["bob-key-00001"]}
    ],
    "rate_limits": {
      "anonymous_tier": "anon",
      "tiers": {
        "free": {"algorithm": "token_bucket", "rate": 1, "burst": 2},
        "anon": {"algorithm": "fixed_window", "limit": 1, "window_ms": 10000, "key": "client_address"}
      }
    }
  })");
}

struct RateLimitHarness : GatewayHarness {
  explicit RateLimitHarness(const nlohmann::json& config) : GatewayHarness(mustLoad(config)) {
    installStandardStages(gateway, shared, env);
  }
  // Sends a request and, if it reached the transport, answers 200 at once.
  Response call(const std::string& target, const std::string& key = "", const std::string& client = "192.0.2.10:5000") {
    Headers h;
    if (!key.empty()) h.set("X-API-Key", key);
    auto slot = start(makeRequest("GET", target, h, client));
    while (!slot->has_value() && !transport.sends.empty()) transport.respond(200);
    EXPECT_TRUE(slot->has_value());
    return slot->value_or(Response{});
  }
};

TEST(RateLimitStage, TierLimitsEachConsumerAndAnswers429WithRetryAfter) {
  RateLimitHarness h(baseConfig());
  Response r1 = h.call("/a", "alice-key-0001");
  EXPECT_EQ(r1.status, 200);
  EXPECT_EQ(r1.headers.get("RateLimit-Policy"), "\"free\";q=2;w=2");
  EXPECT_EQ(r1.headers.get("RateLimit"), "\"free\";r=1;t=1");
  EXPECT_EQ(h.call("/a", "alice-key-0001").headers.get("RateLimit"), "\"free\";r=0;t=2");
  Response denied = h.call("/a", "alice-key-0001");
  EXPECT_EQ(denied.status, 429);
  EXPECT_EQ(denied.headers.get("Retry-After"), "1");
  EXPECT_EQ(denied.headers.get("RateLimit"), "\"free\";r=0;t=1");
  const auto body = nlohmann::json::parse(denied.body);
  EXPECT_EQ(body["error"]["code"], "rate_limited");
  EXPECT_EQ(body["error"]["policy"], "free");
  EXPECT_EQ(body["error"]["retry_after_ms"], 1000);
  EXPECT_EQ(h.transport.total, 2u) << "a denied request never reaches upstream";
  // The tier is per consumer, across routes: bob is untouched, alice is limited on /b too.
  EXPECT_EQ(h.call("/a", "bob-key-00001").status, 200);
  EXPECT_EQ(h.call("/b", "alice-key-0001").status, 429);
  // Exactly at Retry-After one token is back.
  h.clock.advance(seconds(1));
  EXPECT_EQ(h.call("/b", "alice-key-0001").status, 200);
}

TEST(RateLimitStage, AnonymousRequestsUseTheAnonymousTierByClientAddress) {
  RateLimitHarness h(baseConfig());
  EXPECT_EQ(h.call("/a", "", "192.0.2.1:1000").status, 200);
  EXPECT_EQ(h.call("/a", "", "192.0.2.1:2000").status, 429) << "the port is not part of the client";
  EXPECT_EQ(h.call("/a", "", "192.0.2.2:1000").status, 200);
}

TEST(RateLimitStage, UnknownApiKeyIsRefusedBeforeAnyLimit) {
  RateLimitHarness h(baseConfig());
  Response r = h.call("/a", "nobody-key-000");
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.headers.get("WWW-Authenticate").find("invalid_key"), std::string_view::npos);
  EXPECT_FALSE(r.headers.has("RateLimit"));
}

TEST(RateLimitStage, TierIsCheckedBeforeTheSharedRoutePolicy) {
  auto cfg = baseConfig();
  cfg["rate_limits"]["policies"] = {{"global", {{"algorithm", "fixed_window"}, {"limit", 3}, {"window_ms", 60000}}}};
  cfg["routes"][0]["rate_limit"]["policies"] = {"global"};
  RateLimitHarness h(cfg);
  EXPECT_EQ(h.call("/a", "alice-key-0001").status, 200);
  EXPECT_EQ(h.call("/a", "alice-key-0001").status, 200);
  Response tierDenied = h.call("/a", "alice-key-0001");
  EXPECT_EQ(tierDenied.status, 429);
  EXPECT_NE(tierDenied.body.find("\"policy\":\"free\""), std::string::npos);
  // Alice's denied request did not spend the shared budget: bob gets the third slot.
  Response bob = h.call("/a", "bob-key-00001");
  EXPECT_EQ(bob.status, 200);
  EXPECT_EQ(bob.headers.get("RateLimit-Policy"), "\"free\";q=2;w=2, \"global\";q=3;w=60");
  EXPECT_EQ(bob.headers.get("RateLimit"), "\"free\";r=1;t=1, \"global\";r=0;t=59");
  Response globalDenied = h.call("/a", "bob-key-00001");
  EXPECT_EQ(globalDenied.status, 429);
  EXPECT_NE(globalDenied.body.find("\"policy\":\"global\""), std::string::npos);
  EXPECT_EQ(globalDenied.headers.get("Retry-After"), "59");
}

TEST(RateLimitStage, NamedPoliciesCountPerRoute) {
  auto cfg = baseConfig();
  cfg["rate_limits"]["policies"] = {{"one", {{"algorithm", "sliding_log"}, {"limit", 1}, {"window_ms", 1000}, {"key", "route"}}}};
  cfg["routes"][0]["rate_limit"] = {{"policies", {"one"}}};
  cfg["routes"][1]["rate_limit"] = {{"policies", {"one"}}};
  RateLimitHarness h(cfg);
  EXPECT_EQ(h.call("/a").status, 200);
  EXPECT_EQ(h.call("/a").status, 429);
  EXPECT_EQ(h.call("/b").status, 200) << "the same policy on another route has its own counter";
}

TEST(RateLimitStage, LegacyAndNoHeadersOnRequest) {
  auto cfg = baseConfig();
  cfg["rate_limits"]["response_headers"] = "legacy";
  {
    RateLimitHarness h(cfg);
    Response r = h.call("/a", "alice-key-0001");
    EXPECT_FALSE(r.headers.has("RateLimit"));
    EXPECT_EQ(r.headers.get("X-RateLimit-Limit"), "2");
    EXPECT_EQ(r.headers.get("X-RateLimit-Remaining"), "1");
    EXPECT_EQ(r.headers.get("X-RateLimit-Reset"), "1");
  }
  cfg["rate_limits"]["response_headers"] = "none";
  RateLimitHarness h(cfg);
  Response r = h.call("/a", "alice-key-0001");
  EXPECT_FALSE(r.headers.has("RateLimit"));
  EXPECT_FALSE(r.headers.has("X-RateLimit-Limit"));
}

TEST(RateLimitStage, ConcurrencyIsReleasedOnEveryCompletionPath) {
  auto cfg = baseConfig();
  cfg["rate_limits"]["policies"] = {{"one-at-a-time", {{"algorithm", "concurrency"}, {"limit", 1}, {"key", "route"}}}};
  cfg["routes"][0]["rate_limit"] = {{"policies", {"one-at-a-time"}}};
  RateLimitHarness h(cfg);
  auto first = h.start(makeRequest("GET", "/a"));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  auto second = h.start(makeRequest("GET", "/a"));
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->status, 429);
  EXPECT_EQ((*second)->headers.get("Retry-After"), "1");
  h.transport.respond(200);  // success releases
  EXPECT_EQ((*first)->status, 200);
  auto third = h.start(makeRequest("GET", "/a"));
  h.transport.fail(UpstreamOutcome::kConnectError);  // an error releases
  EXPECT_EQ((*third)->status, 502);
  auto fourth = h.start(makeRequest("GET", "/a"));
  h.scheduler.runUntil(h.clock.now() + millis(1000));  // a timeout releases
  EXPECT_EQ((*fourth)->status, 504);
  h.transport.respond(200);  // the late answer is ignored
  auto fifth = h.start(makeRequest("GET", "/a"));
  EXPECT_FALSE(fifth->has_value()) << "the slot was free again: the request went upstream";
  EXPECT_EQ(h.transport.sends.size(), 1u);
}

TEST(RateLimitStage, LeakyBucketHoldsRequestsThenRejectsWhenFull) {
  auto cfg = baseConfig();
  cfg["rate_limits"]["policies"] = {{"queue", {{"algorithm", "leaky_bucket"}, {"rate", 10}, {"burst", 2}, {"key", "route"}}}};
  cfg["routes"][0]["rate_limit"] = {{"policies", {"queue"}}};
  RateLimitHarness h(cfg);
  auto a = h.start(makeRequest("GET", "/a"));
  auto b = h.start(makeRequest("GET", "/a"));
  auto c = h.start(makeRequest("GET", "/a"));
  auto d = h.start(makeRequest("GET", "/a"));
  EXPECT_EQ(h.transport.sends.size(), 1u) << "only the first leaves at once";
  ASSERT_TRUE(d->has_value());
  EXPECT_EQ((*d)->status, 429) << "the queue holds two";
  h.scheduler.runUntil(h.clock.now() + millis(100) - 1);
  EXPECT_EQ(h.transport.sends.size(), 1u);
  h.scheduler.runUntil(h.clock.now() + 1);
  EXPECT_EQ(h.transport.sends.size(), 2u) << "the second leaves 100 ms later";
  h.scheduler.runUntil(h.clock.now() + millis(100));
  EXPECT_EQ(h.transport.sends.size(), 3u);
  while (!h.transport.sends.empty()) h.transport.respond(200);
  EXPECT_EQ((*c)->status, 200);
  EXPECT_TRUE(a->has_value() && b->has_value());
}

TEST(RateLimitStage, CountersSurviveAReloadUnlessThePolicyChanges) {
  auto cfg = baseConfig();
  RateLimitHarness h(cfg);
  EXPECT_EQ(h.call("/a", "alice-key-0001").status, 200);
  EXPECT_EQ(h.call("/a", "alice-key-0001").status, 200);
  cfg["routes"][0]["timeout_ms"] = 500;  // an unrelated change
  h.gateway.reload(mustLoad(cfg));
  EXPECT_EQ(h.call("/a", "alice-key-0001").status, 429) << "the same policy keeps its counters";
  cfg["rate_limits"]["tiers"]["free"]["burst"] = 3;
  h.gateway.reload(mustLoad(cfg));
  EXPECT_EQ(h.call("/a", "alice-key-0001").status, 200) << "a changed policy starts afresh";
}

}  // namespace
}  // namespace gateway
