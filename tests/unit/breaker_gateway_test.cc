// Circuit breakers and outlier detection wired into the Gateway: an OPEN breaker answers 503
// with Retry-After without calling upstream, HALF_OPEN lets one trial through, transitions
// reach the observer and the exchange; ejected instances are skipped by the load balancer and
// come back on time; breaker state survives a reload that leaves the service unchanged.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <set>

#include "test_support.h"

namespace gateway {
namespace {

using testing::GatewayHarness;
using testing::makeRequest;

struct Events : ExchangeObserver {
  void onComplete(const Exchange& ex, const Response&) override {
    if (ex.callRecord().breakerTransition) causedBy.push_back(ex.request.target);
  }
  void onBreakerTransition(const Exchange&, const ServiceConfig& service, const BreakerTransition& t) override {
    transitions.push_back(fmt::format("{}->{} @{} {} ({})", toString(t.from), toString(t.to), t.at, t.reason, service.name));
  }
  void onOutlierEvent(const Exchange&, const ServiceConfig& service, const OutlierEvent& e) override {
    outliers.push_back(fmt::format("{} {} @{} for {} ({})", e.ejected ? "eject" : "readmit", service.instances[e.instance].id,
                                   e.at, e.duration, e.reason));
  }
  std::vector<std::string> transitions, outliers, causedBy;
};

std::shared_ptr<const Config> breakerConfig(const nlohmann::json& breaker = {{"mode", "consecutive"}, {"max_errors", 2},
                                                                              {"open_ms", 10000}}) {
  return testing::mustLoad({{"services", {{{"name", "pay"}, {"instances", {"10.0.0.1:80"}}, {"circuit_breaker", breaker}}}},
                            {"routes", {{{"name", "r"}, {"match", {{"prefix", "/"}}}, {"service", "pay"}, {"timeout_ms", 1000}}}}});
}

nlohmann::json body(const Response& r) { return nlohmann::json::parse(r.body); }

TEST(BreakerInGateway, OpensThenAnswers503WithoutCallingUpstream) {
  GatewayHarness h(breakerConfig());
  Events events;
  h.gateway.setObserver(&events);
  const TimePoint t0 = h.clock.now();
  const FaultRuleId outage = h.faults.add(FaultRule::refuse("pay"));
  for (int i = 1; i <= 3; ++i) {
    h.start(makeRequest("GET", fmt::format("/{}", i)));
    h.runDue();
  }
  EXPECT_EQ(events.transitions,
            std::vector<std::string>{fmt::format("closed->open @{} 3 consecutive failures (more than max_errors 2) (pay)", t0)});
  EXPECT_EQ(events.causedBy, std::vector<std::string>{"/3"});

  h.clock.advance(seconds(4));
  auto rejected = h.start(makeRequest("GET", "/4"));
  ASSERT_TRUE(rejected->has_value());
  EXPECT_EQ((*rejected)->status, 503);
  EXPECT_EQ((*rejected)->headers.get("retry-after"), "6");
  EXPECT_EQ(body(**rejected)["error"]["code"], "circuit_open");
  EXPECT_EQ(body(**rejected)["error"]["message"], "service \"pay\" is failing: its circuit breaker is open");
  EXPECT_EQ(h.faults.counters().calls, 3u);
  EXPECT_EQ(h.scheduler.pending(), 0u);

  // After open_ms the next request is the trial; its success closes the breaker.
  h.faults.remove(outage);
  h.clock.set(t0 + seconds(10));
  auto trial = h.start(makeRequest("GET", "/5"));
  auto second = h.start(makeRequest("GET", "/6"));  // HALF_OPEN admits one trial only
  EXPECT_EQ((*second)->status, 503);
  EXPECT_EQ((*second)->headers.get("retry-after"), "1");
  h.transport.respond(200);
  EXPECT_EQ((*trial)->status, 200);
  ASSERT_EQ(events.transitions.size(), 3u);
  EXPECT_EQ(events.transitions[1], fmt::format("open->half_open @{} open for 10000 ms; admitting 1 trial call (pay)", t0 + seconds(10)));
  EXPECT_EQ(events.transitions[2], fmt::format("half_open->closed @{} 1 trial call succeeded (pay)", t0 + seconds(10)));
  h.start(makeRequest("GET", "/7"));
  EXPECT_EQ(h.transport.sends.size(), 1u);
}

TEST(BreakerInGateway, FailureStatusesAndTimeoutsCount) {
  GatewayHarness h(breakerConfig({{"mode", "consecutive"}, {"max_errors", 1}, {"failure_statuses", {500, 503}}}));
  h.start(makeRequest("GET", "/a"));
  h.transport.respond(502);  // not a failure status here
  h.start(makeRequest("GET", "/b"));
  h.transport.respond(404);
  h.start(makeRequest("GET", "/c"));
  h.transport.respond(500);
  EXPECT_EQ(h.shared.runtime()->service(0).breaker->state(), BreakerState::kClosed);
  h.start(makeRequest("GET", "/d"));
  h.scheduler.runUntil(h.clock.now() + seconds(1));  // a timeout is always a failure
  EXPECT_EQ(h.shared.runtime()->service(0).breaker->state(), BreakerState::kOpen);
  h.transport.respond(200);  // the late answer of the timed-out try changes nothing
  EXPECT_EQ(h.shared.runtime()->service(0).breaker->state(), BreakerState::kOpen);
}

TEST(BreakerInGateway, ARetryStoppedByTheBreakerReturnsTheLastFailure) {
  auto config = testing::mustLoad(nlohmann::json::parse(R"({
    "services": [{"name": "pay", "instances": ["10.0.0.1:80", "10.0.0.2:80"],
                  "circuit_breaker": {"mode": "consecutive", "max_errors": 0}}],
    "routes": [{"name": "r", "match": {"prefix": "/"}, "service": "pay",
                "retry": {"max_retries": 2, "backoff": {"base_ms": 0}}}]})"));
  GatewayHarness h(config);
  auto res = h.start(makeRequest("GET", "/"));
  h.transport.respond(503, "first try");
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 503);
  EXPECT_EQ((*res)->body, "first try");  // not the breaker's own 503
  EXPECT_EQ(h.transport.total, 1u);
}

TEST(BreakerInGateway, StateSurvivesAReloadOfAnUnchangedService) {
  GatewayHarness h(breakerConfig());
  const FaultRuleId outage = h.faults.add(FaultRule::abort("pay", 500));
  for (int i = 0; i < 3; ++i) {
    h.start(makeRequest("GET", "/"));
    h.runDue();
  }
  ASSERT_EQ(h.shared.runtime()->service(0).breaker->state(), BreakerState::kOpen);
  h.faults.remove(outage);  // from here on a 503 can only be the breaker's
  h.gateway.reload(breakerConfig());
  EXPECT_EQ((*h.start(makeRequest("GET", "/")))->status, 503);
  // A changed breaker config starts fresh.
  h.gateway.reload(breakerConfig({{"mode", "consecutive"}, {"max_errors", 3}}));
  EXPECT_FALSE(h.start(makeRequest("GET", "/"))->has_value());
  EXPECT_EQ(h.transport.sends.size(), 1u);
}

TEST(BreakerInGateway, ReloadWithoutTheServiceForgetsItsBreaker) {
  GatewayHarness h(breakerConfig());
  EXPECT_EQ(h.shared.resilience().breakers().size(), 1u);
  h.gateway.reload(testing::mustParse(R"({"services": [{"name": "other", "instances": ["10.0.0.9:80"]}],
                                          "routes": [{"name": "r", "match": {"prefix": "/"}, "service": "other"}]})"));
  EXPECT_TRUE(h.shared.resilience().breakers().empty());
}

std::shared_ptr<const Config> outlierConfig() {
  return testing::mustLoad(nlohmann::json::parse(R"({
    "services": [{"name": "api", "instances": [{"id": "a", "address": "10.0.0.1:80"}, {"id": "b", "address": "10.0.0.2:80"},
                                               {"id": "c", "address": "10.0.0.3:80"}, {"id": "d", "address": "10.0.0.4:80"}],
                  "outlier_detection": {"consecutive_5xx": 2, "base_ejection_ms": 30000, "max_ejection_percent": 25}}],
    "routes": [{"name": "r", "match": {"prefix": "/"}, "service": "api"}]})"));
}

// Sends one request and answers it: `bad` instances answer 500, the others 200.
std::string roundTrip(GatewayHarness& h, const std::set<std::string>& bad) {
  h.start(makeRequest("GET", "/"));
  const std::string instance(h.transport.sends.front().endpoint.instance);
  h.transport.respond(bad.count(instance) ? 500 : 200);
  return instance;
}

TEST(OutlierInGateway, EjectedInstanceIsSkippedThenReadmitted) {
  GatewayHarness h(outlierConfig());
  Events events;
  h.gateway.setObserver(&events);
  const TimePoint t0 = h.clock.now();
  std::map<std::string, int> before;
  for (int i = 0; i < 8; ++i) ++before[roundTrip(h, {"c"})];  // round robin: c fails twice -> ejected
  EXPECT_EQ(before["c"], 2);
  ASSERT_EQ(events.outliers.size(), 1u);
  EXPECT_EQ(events.outliers[0], fmt::format("eject c @{} for 30000000 (2 consecutive 5xx)", t0));
  std::map<std::string, int> during;
  for (int i = 0; i < 30; ++i) ++during[roundTrip(h, {"c"})];
  EXPECT_EQ(during.count("c"), 0u);
  EXPECT_EQ(during["a"] + during["b"] + during["d"], 30);

  h.clock.advance(seconds(30));
  std::map<std::string, int> after;
  for (int i = 0; i < 8; ++i) ++after[roundTrip(h, {})];
  EXPECT_EQ(after["c"], 2);
  ASSERT_EQ(events.outliers.size(), 2u);
  EXPECT_EQ(events.outliers[1], fmt::format("readmit c @{} for 0 (ejection time is up)", t0 + seconds(30)));
}

TEST(OutlierInGateway, MaxEjectionPercentKeepsTheRestServing) {
  GatewayHarness h(outlierConfig());
  // Every instance fails, but only 25% of 4 = 1 may be out at a time.
  h.faults.add(FaultRule::abort("api", 500));
  for (int i = 0; i < 40; ++i) {
    h.start(makeRequest("GET", "/"));
    h.runDue();
  }
  EXPECT_EQ(h.faults.counters().of(FaultKind::kAbort), 40u);
  EXPECT_EQ(h.shared.runtime()->service(0).outliers->ejectedCount(), 1u);
}

}  // namespace
}  // namespace gateway
