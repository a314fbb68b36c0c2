// The aggregate stage through a Gateway with the standard stages, a fake transport and manual
// time: independent parts run at once and a dependent part after its dependency (with the
// value in its path); each part is a GET with the client's correlation id; partial answers
// under "allow", the failure under "fail"; the route's deadline and a part's own; an open
// breaker and a 429 as part statuses; streamed and oversized bodies; the counters; and a
// Gateway that goes away mid-aggregation.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libgateway/aggregate/aggregate_stats.h"
#include "libgateway/http/body_stream.h"
#include "libgateway/pipeline/policy_report.h"
#include "libgateway/pipeline/stage_list.h"
#include "test_support.h"

namespace gateway {
namespace {

using nlohmann::json;
using testing::GatewayHarness;
using testing::makeRequest;

json aggregateStageConfig(const std::string& partial = "allow") {
  json c = json::parse(R"({
    "services": [
      {"name": "users", "instances": ["10.0.0.1:80"], "timeout_ms": 1000},
      {"name": "orders", "instances": ["10.0.0.2:80"], "timeout_ms": 1000,
       "circuit_breaker": {"mode": "consecutive", "max_errors": 0, "open_ms": 60000}},
      {"name": "recs", "instances": ["10.0.0.3:80"], "timeout_ms": 1000}],
    "routes": [
      {"name": "dash", "match": {"template": "/dash/{id}", "methods": ["GET", "HEAD"]},
       "aggregate": {"timeout_ms": 800, "max_part_bytes": 256, "parts": [
         {"name": "user", "service": "users", "path": "/users/{id}", "merge": true, "deny": ["email"]},
         {"name": "orders", "service": "orders", "path": "/orders?userId={id}", "allow": ["orders[].id"], "timeout_ms": 300},
         {"name": "recs", "service": "recs", "path": "/recs?userId={user.id}&n={query.n}", "group": "recommended"}]}}]
  })");
  c["routes"][0]["aggregate"]["partial"] = partial;
  return c;
}

struct AggregateHarness : GatewayHarness {
  explicit AggregateHarness(const std::string& partial = "allow")
      : GatewayHarness(testing::mustLoad(aggregateStageConfig(partial))) {
    installStandardStages(gateway, shared, env);
  }
  // The pending send to `service`, or null.
  testing::FakeTransport::Send* sendTo(std::string_view service) {
    for (auto& s : transport.sends) {
      if (s.endpoint.service == service) return &s;
    }
    return nullptr;
  }
  // Answers the pending send to `service`.
  void answer(std::string_view service, int status, std::string body, Headers headers = {{"Content-Type", "application/json"}}) {
    for (auto it = transport.sends.begin(); it != transport.sends.end(); ++it) {
      if (it->endpoint.service != service) continue;
      auto done = std::move(it->done);
      transport.sends.erase(it);
      UpstreamResult r;
      r.response.status = status;
      r.response.body = std::move(body);
      r.response.headers = std::move(headers);
      done(std::move(r));
      runDue();
      return;
    }
    ADD_FAILURE() << "no pending send to " << service;
  }
  json snapshot() { return policySnapshot(shared, clock.now())["aggregate"]; }
};

const char* const kAggUserBody = R"({"id": 7, "name": "Ada", "email": "ada@example.com"})";
const char* const kAggOrdersBody = R"({"user_id": 7, "orders": [{"id": 70, "total_cents": 5}]})";

TEST(AggregateStage, RunsIndependentPartsAtOnceThenTheDependentOne) {
  AggregateHarness h;
  auto res = h.start(makeRequest("HEAD", "/dash/7?n=3", {{"X-Request-Id", "corr-1"}, {"Range", "bytes=0-1"}}));
  h.runDue();
  ASSERT_EQ(h.transport.sends.size(), 2u);  // user and orders; recs waits for user
  const auto* user = h.sendTo("users");
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user->request.method, "GET");
  EXPECT_EQ(user->request.target, "/users/7");
  EXPECT_EQ(user->request.headers.get("X-Request-Id"), "corr-1");
  EXPECT_FALSE(user->request.headers.has("Range"));
  EXPECT_EQ(user->request.headers.get("Accept-Encoding"), "identity");
  EXPECT_EQ(h.sendTo("orders")->request.target, "/orders?userId=7");
  h.answer("orders", 200, kAggOrdersBody);
  EXPECT_FALSE(res->has_value());
  h.clock.advance(millis(5));
  h.answer("users", 200, kAggUserBody);
  const auto* recs = h.sendTo("recs");
  ASSERT_NE(recs, nullptr);
  EXPECT_EQ(recs->request.target, "/recs?userId=7&n=3");
  h.clock.advance(millis(20));
  h.answer("recs", 200, R"({"products": [1, 2]})");
  ASSERT_TRUE(res->has_value());
  const Response& r = **res;
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("X-KrakenD-Completed"), "true");
  const json body = json::parse(r.body);
  EXPECT_EQ(body["name"], "Ada");
  EXPECT_FALSE(body.contains("email"));
  EXPECT_EQ(body["orders"], json::parse(R"({"orders": [{"id": 70}]})"));
  EXPECT_EQ(body["recommended"]["products"], json({1, 2}));
  EXPECT_EQ(body["_parts"]["user"]["ms"], 5);
  EXPECT_EQ(body["_parts"]["recs"]["ms"], 20);
  const json stats = h.snapshot();
  EXPECT_EQ(stats["routes"]["dash"]["complete"], 1);
  EXPECT_EQ(stats["routes"]["dash"]["parts"]["recs"]["ok"], 1);
  EXPECT_EQ(stats["routes"]["dash"]["parts"]["recs"]["latency_ms_sum"], 20.0);
  EXPECT_EQ(stats["totals"]["complete"], 1);
}

TEST(AggregateStage, AFailedPartGivesAPartialAnswerAndSkipsItsDependents) {
  AggregateHarness h;
  auto res = h.start(makeRequest("GET", "/dash/7"));  // no ?n=: recs cannot be filled either
  h.runDue();
  h.answer("orders", 503, R"({"error": "down"})");
  h.answer("users", 200, kAggUserBody);
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 200);
  EXPECT_EQ((*res)->headers.get("X-KrakenD-Completed"), "false");
  const json body = json::parse((*res)->body);
  EXPECT_EQ(body["id"], 7);
  EXPECT_EQ(body["_parts"]["orders"], json::parse(R"({"status": "5xx", "http_status": 503, "ms": 0,
                                                        "error": "the service answered 503"})"));
  EXPECT_EQ(body["_parts"]["recs"]["status"], "skipped");
  EXPECT_EQ(body["_parts"]["recs"]["error"], "{query.n}: the request has no query parameter \"n\"");
  EXPECT_EQ(h.snapshot()["routes"]["dash"]["partial"], 1);
  EXPECT_EQ(h.transport.total, 2u);  // recs was never sent
}

TEST(AggregateStage, UserFailureSkipsItsDependentAndFailPolicyFails) {
  AggregateHarness h("fail");
  auto res = h.start(makeRequest("GET", "/dash/7?n=1"));
  h.runDue();
  h.answer("users", 500, "oops");
  h.answer("orders", 200, kAggOrdersBody);
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 502);
  const json body = json::parse((*res)->body);
  EXPECT_EQ(body["error"]["message"], "parts failed: user (5xx), recs (skipped)");
  EXPECT_EQ(body["_parts"]["recs"]["error"], "part \"user\" failed (5xx)");
  EXPECT_EQ(body["_parts"]["orders"]["status"], "ok");
  EXPECT_EQ(h.snapshot()["routes"]["dash"]["failed"], 1);
}

TEST(AggregateStage, ThePartsOwnTimeoutAndTheRoutesDeadline) {
  AggregateHarness h;
  auto res = h.start(makeRequest("GET", "/dash/7?n=1"));
  h.runDue();
  h.answer("users", 200, kAggUserBody);  // recs starts
  h.scheduler.runUntil(h.clock.now() + millis(300));  // orders' own 300 ms
  EXPECT_FALSE(res->has_value());
  h.scheduler.runUntil(h.clock.now() + millis(500));  // the route's 800 ms
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 200);
  const json body = json::parse((*res)->body);
  EXPECT_EQ(body["_parts"]["orders"]["status"], "timeout");
  EXPECT_EQ(body["_parts"]["orders"]["error"], "upstream_timeout");
  EXPECT_EQ(body["_parts"]["recs"]["status"], "timeout");
  EXPECT_EQ(body["_parts"]["recs"]["error"], "the route's deadline of 800 ms passed");
  EXPECT_EQ(body["_parts"]["recs"]["ms"], 800);
  EXPECT_EQ(h.shared.runtime()->service(2).inFlight->get(0), 0);  // the cancelled call gave its slot back
}

TEST(AggregateStage, EveryPartTimingOutFailsWith504) {
  AggregateHarness h;
  auto res = h.start(makeRequest("GET", "/dash/7?n=1"));
  h.scheduler.runUntil(h.clock.now() + millis(800));
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 504);
  const json body = json::parse((*res)->body);
  EXPECT_EQ(body["_parts"]["user"]["status"], "timeout");
  EXPECT_EQ(body["_parts"]["recs"]["status"], "skipped");
  EXPECT_EQ(body["_parts"]["recs"]["error"], "the route's deadline passed before the parts it reads answered");
}

// What the Gateway's observer hears.
struct AggregateObserverLog final : ExchangeObserver {
  void onComplete(const Exchange& ex, const Response&) override { outcomes.emplace_back(ex.outcome); }
  void onBreakerTransition(const Exchange&, const ServiceConfig& service, const BreakerTransition&) override {
    transitions.push_back(service.name);
  }
  std::vector<std::string> outcomes, transitions;
};

TEST(AggregateStage, OpenBreakerAndRateLimitedParts) {
  AggregateHarness h;
  AggregateObserverLog log;
  h.gateway.setObserver(&log);
  auto first = h.start(makeRequest("GET", "/dash/7?n=1"));
  h.runDue();
  h.answer("orders", 500, "{}");  // opens the orders breaker (more than 0 errors)
  h.answer("users", 200, kAggUserBody);
  h.answer("recs", 429, R"({"error": "slow down"})");
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ(json::parse((*first)->body)["_parts"]["recs"]["status"], "rate_limited");
  auto second = h.start(makeRequest("GET", "/dash/8?n=1"));
  h.runDue();
  EXPECT_EQ(h.sendTo("orders"), nullptr);  // never sent: the breaker answered
  h.answer("users", 200, R"({"id": 8})");
  h.answer("recs", 200, "{}");
  ASSERT_TRUE(second->has_value());
  const json body = json::parse((*second)->body);
  EXPECT_EQ(body["_parts"]["orders"]["status"], "circuit_open");
  EXPECT_EQ(body["_parts"]["orders"]["http_status"], 503);
  const json stats = h.snapshot()["routes"]["dash"]["parts"]["orders"];
  EXPECT_EQ(stats["5xx"], 1);
  EXPECT_EQ(stats["circuit_open"], 1);
  EXPECT_EQ(log.transitions, std::vector<std::string>{"orders"});  // the part's call opened it
  EXPECT_EQ(log.outcomes, (std::vector<std::string>{"aggregate_partial", "aggregate_partial"}));
}

TEST(AggregateStage, StreamedBodiesAreReadAndOversizedOnesAreBadResponses) {
  AggregateHarness h;
  auto res = h.start(makeRequest("GET", "/dash/7?n=1"));
  h.runDue();
  auto sendStream = [&](std::string_view service, std::shared_ptr<BodyStream> stream) {
    for (auto it = h.transport.sends.begin(); it != h.transport.sends.end(); ++it) {
      if (it->endpoint.service != service) continue;
      auto done = std::move(it->done);
      h.transport.sends.erase(it);
      UpstreamResult r;
      r.response.status = 200;
      r.response.stream = std::move(stream);
      done(std::move(r));
      return;
    }
  };
  auto user = std::make_shared<BodyStream>(std::nullopt);
  sendStream("users", user);
  user->write(R"({"id": 7, )");
  user->write(R"("name": "Ada"})");
  user->end();
  h.runDue();
  auto orders = std::make_shared<BodyStream>(std::nullopt);
  sendStream("orders", orders);
  orders->write(std::string(300, ' '));  // over max_part_bytes (256)
  h.runDue();
  h.answer("recs", 200, "not json");
  ASSERT_TRUE(res->has_value());
  const json body = json::parse((*res)->body);
  EXPECT_EQ(body["name"], "Ada");
  EXPECT_EQ(body["_parts"]["orders"]["status"], "bad_response");
  EXPECT_EQ(body["_parts"]["orders"]["error"], "the answer is over max_part_bytes (256)");
  EXPECT_EQ(body["_parts"]["recs"]["error"], "the answer is not JSON (at byte 2)");
}

TEST(AggregateStage, AReloadMidAggregationLeavesTheRequestOnItsOwnConfig) {
  AggregateHarness h;
  auto old = h.start(makeRequest("GET", "/dash/7?n=1"));
  h.runDue();
  json next = aggregateStageConfig();
  next["routes"][0]["aggregate"]["parts"] =
      json::parse(R"([{"name": "only", "service": "recs", "path": "/only/{id}", "merge": true}])");
  h.gateway.reload(testing::mustLoad(next));
  auto fresh = h.start(makeRequest("GET", "/dash/9"));
  h.runDue();
  ASSERT_NE(h.sendTo("recs"), nullptr);
  EXPECT_EQ(h.sendTo("recs")->request.target, "/only/9");
  h.answer("recs", 200, R"({"fresh": true})");
  ASSERT_TRUE(fresh->has_value());
  EXPECT_EQ(json::parse((*fresh)->body)["_parts"].size(), 1u);
  // The request that started before the reload goes on with its three parts.
  h.answer("orders", 200, kAggOrdersBody);
  h.answer("users", 200, kAggUserBody);
  ASSERT_NE(h.sendTo("recs"), nullptr);
  EXPECT_EQ(h.sendTo("recs")->request.target, "/recs?userId=7&n=1");
  h.answer("recs", 200, R"({"products": []})");
  ASSERT_TRUE(old->has_value());
  const json body = json::parse((*old)->body);
  EXPECT_EQ(body["_parts"].size(), 3u);
  EXPECT_EQ(body["name"], "Ada");
  EXPECT_EQ((*old)->headers.get("X-KrakenD-Completed"), "true");
}

TEST(AggregateStage, WithoutTheStageAnAggregationRouteIsA500NotACrash) {
  GatewayHarness h(testing::mustLoad(aggregateStageConfig()));  // no stages installed
  auto res = h.start(makeRequest("GET", "/dash/7"));
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 500);
  EXPECT_EQ(json::parse((*res)->body)["error"]["code"], "no_upstream");
  EXPECT_EQ(h.transport.total, 0u);
}

TEST(AggregateStage, AGatewayThatGoesAwayMidAggregationLeavesNothingBehind) {
  auto config = testing::mustLoad(aggregateStageConfig());
  ManualClock clock(seconds(1));
  ManualScheduler scheduler(clock);
  testing::FakeTransport transport;
  Random random(1);
  Env env{clock, scheduler, transport, random};
  SharedState shared(config);
  {
    Gateway gateway(shared, env);
    installStandardStages(gateway, shared, env);
    bool answered = false;
    gateway.handle(makeRequest("GET", "/dash/7?n=1"), [&](Response) { answered = true; });
    ASSERT_EQ(transport.sends.size(), 2u);
    EXPECT_EQ(shared.runtime()->service(0).inFlight->get(0), 1);
    EXPECT_FALSE(answered);
  }
  // The exchange, its part calls and its deadline timer are gone; what they held is back.
  EXPECT_EQ(scheduler.pending(), 0u);
  EXPECT_EQ(shared.runtime()->service(0).inFlight->get(0), 0);
  EXPECT_EQ(shared.runtime()->service(1).inFlight->get(0), 0);
}

}  // namespace
}  // namespace gateway
