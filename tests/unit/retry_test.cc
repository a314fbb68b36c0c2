// Retries and timeouts through the Gateway in frozen time: retry_on conditions, another
// instance on a retry, per-try timeouts inside the route deadline, idempotent methods only,
// backoff with jitter from the seeded Random, and the retry budget (Envoy: 20% of active
// requests, at least 3) running out.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "libgateway/balancing/consistent_hash.h"
#include "libgateway/resilience/retry_policy.h"
#include "test_support.h"

namespace gateway {
namespace {

using testing::GatewayHarness;
using testing::makeRequest;

nlohmann::json service(const std::string& name, int instances, const nlohmann::json& extra = nlohmann::json::object()) {
  nlohmann::json list = nlohmann::json::array();
  for (int i = 0; i < instances; ++i) list.push_back({{"id", name + "-" + std::to_string(i + 1)}, {"address", "10.0.0." + std::to_string(i + 1) + ":80"}});
  nlohmann::json s = {{"name", name}, {"instances", list}};
  s.update(extra);
  return s;
}

std::shared_ptr<const Config> retryConfig(const nlohmann::json& retry, const nlohmann::json& serviceExtra = nlohmann::json::object(),
                                          int instances = 3) {
  return testing::mustLoad({{"services", {service("api", instances, serviceExtra)}},
                            {"routes", {{{"name", "r"}, {"match", {{"prefix", "/"}}}, {"service", "api"}, {"timeout_ms", 1000},
                                         {"retry", retry}}}}});
}

TEST(Retry, GatewayErrorIsRetriedOnAnotherInstance) {
  GatewayHarness h(retryConfig({{"max_retries", 2}, {"backoff", {{"base_ms", 0}}}}));
  Request req = makeRequest("GET", "/items?x=1", {{"X-Trace", "t"}});
  req.body = "payload";
  auto res = h.start(std::move(req));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  const std::string first(h.transport.sends[0].endpoint.instance);
  h.transport.respond(503, "busy");
  ASSERT_EQ(h.transport.sends.size(), 1u);  // retried at once (no backoff)
  const auto& retry = h.transport.sends[0];
  EXPECT_NE(retry.endpoint.instance, first);
  EXPECT_EQ(retry.request.target, "/items?x=1");
  EXPECT_EQ(retry.request.body, "payload");  // the copy kept for retries
  EXPECT_EQ(retry.request.headers.get("x-trace"), "t");
  h.transport.respond(200, "ok");
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 200);
  EXPECT_EQ(h.instanceInFlight(0, 0) + h.instanceInFlight(0, 1) + h.instanceInFlight(0, 2), 0);
  EXPECT_EQ(h.scheduler.pending(), 0u);
}

TEST(Retry, GivesUpAfterMaxRetriesWithTheLastAnswer) {
  GatewayHarness h(retryConfig({{"max_retries", 2}, {"backoff", {{"base_ms", 0}}}}));
  auto res = h.start(makeRequest("GET", "/"));
  h.transport.respond(502, "one");
  h.transport.fail(UpstreamOutcome::kConnectError, "refused");
  h.transport.respond(504, "three");
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 504);
  EXPECT_EQ((*res)->body, "three");
  EXPECT_EQ(h.transport.total, 3u);
}

TEST(Retry, OnlyTheConfiguredConditions) {
  GatewayHarness h(retryConfig({{"max_retries", 3}, {"retry_on", {"connect_failure"}}, {"retriable_statuses", {409}},
                                {"backoff", {{"base_ms", 0}}}}));
  auto a = h.start(makeRequest("GET", "/a"));
  h.transport.respond(500);  // not retried: 5xx is not in retry_on
  EXPECT_EQ((*a)->status, 500);
  auto b = h.start(makeRequest("GET", "/b"));
  h.transport.respond(409);  // a retriable status
  h.transport.fail(UpstreamOutcome::kReset);  // not retried: reset is not in retry_on
  EXPECT_EQ((*b)->status, 502);
  EXPECT_EQ(h.transport.total, 3u);
}

TEST(Retry, PostIsNotRetriedUnlessConfigured) {
  GatewayHarness h(retryConfig({{"max_retries", 1}, {"backoff", {{"base_ms", 0}}}}));
  auto post = h.start(makeRequest("POST", "/orders"));
  h.transport.respond(503);
  EXPECT_EQ((*post)->status, 503);
  auto put = h.start(makeRequest("PUT", "/orders/1"));
  h.transport.respond(503);
  EXPECT_FALSE(put->has_value());  // PUT is idempotent
  h.transport.respond(200);
  EXPECT_EQ((*put)->status, 200);

  GatewayHarness g(retryConfig({{"max_retries", 1}, {"non_idempotent", true}, {"backoff", {{"base_ms", 0}}}}));
  auto post2 = g.start(makeRequest("POST", "/orders"));
  g.transport.respond(503);
  g.transport.respond(201);
  EXPECT_EQ((*post2)->status, 201);
}

TEST(Retry, PerTryTimeoutRetriesInsideTheRouteDeadline) {
  GatewayHarness h(retryConfig({{"max_retries", 5}, {"per_try_timeout_ms", 300}, {"retry_on", {"timeout"}},
                                {"backoff", {{"base_ms", 0}}}}));
  const TimePoint t0 = h.clock.now();
  auto res = h.start(makeRequest("GET", "/slow"));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  EXPECT_EQ(h.transport.sends[0].deadline, t0 + millis(300));
  h.scheduler.runUntil(t0 + millis(300));  // try 1 times out; try 2 starts
  ASSERT_EQ(h.transport.sends.size(), 2u);
  EXPECT_EQ(h.transport.sends[1].deadline, t0 + millis(600));
  h.scheduler.runUntil(t0 + millis(600));
  h.scheduler.runUntil(t0 + millis(900));
  ASSERT_EQ(h.transport.sends.size(), 4u);
  EXPECT_EQ(h.transport.sends[3].deadline, t0 + millis(1000));  // capped by the 1 s route timeout
  h.scheduler.runUntil(t0 + millis(1000));
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 504);
  EXPECT_EQ(h.transport.total, 4u);
  // The late answers of the timed-out tries change nothing.
  while (!h.transport.sends.empty()) h.transport.respond(200);
  EXPECT_EQ(h.answered, 1u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(h.instanceInFlight(0, i), 0);
}

TEST(Retry, LateAnswerOfATimedOutTryIsIgnored) {
  GatewayHarness h(retryConfig({{"max_retries", 1}, {"per_try_timeout_ms", 100}, {"backoff", {{"base_ms", 0}}}}));
  const TimePoint t0 = h.clock.now();
  auto res = h.start(makeRequest("GET", "/"));
  h.scheduler.runUntil(t0 + millis(100));
  ASSERT_EQ(h.transport.sends.size(), 2u);
  h.transport.respond(200, "late first");  // the timed-out try
  EXPECT_FALSE(res->has_value());
  h.transport.respond(200, "second");
  EXPECT_EQ((*res)->body, "second");
}

TEST(Retry, BackoffIsFullJitterFromTheSeededRandom) {
  auto waits = [](std::uint64_t seed) {
    GatewayHarness h(retryConfig({{"max_retries", 3}, {"backoff", {{"base_ms", 100}, {"max_ms", 250}}}}), seed);
    std::vector<Duration> out;
    auto res = h.start(makeRequest("GET", "/"));
    for (int i = 0; i < 3; ++i) {
      const TimePoint failedAt = h.clock.now();
      h.transport.respond(503);
      EXPECT_TRUE(h.transport.sends.empty());
      EXPECT_EQ(h.scheduler.pending(), 1u);  // the backoff timer
      h.scheduler.runNext();
      EXPECT_EQ(h.transport.sends.size(), 1u);
      out.push_back(h.clock.now() - failedAt);
    }
    h.transport.respond(200);
    return out;
  };
  const auto a = waits(1);
  EXPECT_EQ(a, waits(1));
  EXPECT_NE(a, waits(2));
  EXPECT_LE(a[0], millis(100));  // [0, 100 ms], [0, 200 ms], [0, 250 ms]
  EXPECT_LE(a[1], millis(200));
  EXPECT_LE(a[2], millis(250));
  RetryConfig c;
  c.backoffBase = millis(100);
  c.backoffMax = millis(250);
  Random r(3);
  for (int i = 0; i < 1000; ++i) EXPECT_LE(RetryPolicy(c).backoff(10, r), millis(250));
}

TEST(RetryBudget, ExhaustionAnswersWithTheFailure) {
  // Default budget: 20% of active requests, at least 3 concurrent retries.
  GatewayHarness h(retryConfig({{"max_retries", 2}, {"backoff", {{"base_ms", 0}}}}));
  std::vector<std::shared_ptr<std::optional<Response>>> res;
  for (int i = 0; i < 10; ++i) res.push_back(h.start(makeRequest("GET", fmt::format("/{}", i))));
  const auto budget = h.shared.runtime()->service(0).retryBudget;
  EXPECT_EQ(budget->activeRequests(), 10);
  EXPECT_EQ(budget->allowed(), 3);
  for (int i = 0; i < 10; ++i) h.transport.respond(503);  // the 10 first tries
  // Three retries went out; seven were refused by the budget and answered 503 at once.
  EXPECT_EQ(h.transport.sends.size(), 3u);
  EXPECT_EQ(budget->activeRetries(), 3);
  EXPECT_EQ(budget->exhausted(), 7u);
  int answered503 = 0;
  for (const auto& r : res) answered503 += r->has_value() && (*r)->status == 503;
  EXPECT_EQ(answered503, 7);
  for (int i = 0; i < 3; ++i) h.transport.respond(200);
  EXPECT_EQ(budget->activeRetries(), 0);
  EXPECT_EQ(budget->activeRequests(), 0);
  EXPECT_EQ(h.transport.total, 13u);
}

TEST(RetryBudget, PercentOfActiveRequests) {
  GatewayHarness h(retryConfig({{"max_retries", 1}, {"backoff", {{"base_ms", 0}}}},
                               {{"retry_budget", {{"percent", 50}, {"min_concurrency", 1}}}}));
  for (int i = 0; i < 10; ++i) h.start(makeRequest("GET", "/"));
  const auto budget = h.shared.runtime()->service(0).retryBudget;
  EXPECT_EQ(budget->allowed(), 5);
  // As requests fail and finish, the active count falls; the budget is judged at each retry.
  for (int i = 0; i < 10; ++i) h.transport.respond(503);
  EXPECT_EQ(budget->exhausted() + h.transport.sends.size(), 10u);
  EXPECT_GE(h.transport.sends.size(), 3u);
}

TEST(RetryBudget, DisabledBudgetRetriesEverything) {
  GatewayHarness h(retryConfig({{"max_retries", 1}, {"backoff", {{"base_ms", 0}}}}, {{"retry_budget", false}}));
  for (int i = 0; i < 10; ++i) h.start(makeRequest("GET", "/"));
  for (int i = 0; i < 10; ++i) h.transport.respond(503);
  EXPECT_EQ(h.transport.sends.size(), 10u);
}

TEST(RetryConfig, ErrorsNameTheField) {
  ConfigLoad load = loadConfigJson(nlohmann::json::parse(R"({
    "services": [{"name": "s", "instances": ["10.0.0.1:80"], "retry_budget": {"percent": 120}}],
    "routes": [
      {"name": "a", "match": {"path": "/a"}, "service": "s", "retry": {"max_retries": 2, "retry_on": ["5xx", "sometimes"]}},
      {"name": "b", "match": {"path": "/b"}, "service": "s", "retry": {"retry_on": []}},
      {"name": "c", "match": {"path": "/c"}, "service": "s", "retry": {"max_retries": 1, "retry_on": [],
        "backoff": {"base_ms": 100, "max_ms": 10}}}
    ]})"));
  ASSERT_FALSE(load.ok());
  const std::string text = load.errors.text();
  for (const char* want : {
           "/services/0/retry_budget/percent: must be between 0 and 100, got 120",
           "/routes/0/retry/retry_on/1: expected one of: 5xx, gateway_error, connect_failure, reset, timeout",
           "/routes/1/retry/max_retries: required field is missing",
           "/routes/2/retry/backoff/max_ms: must be at least base_ms",
           "/routes/2/retry/retry_on: nothing would be retried: give retry_on conditions or retriable_statuses",
       }) {
    EXPECT_NE(text.find(want), std::string::npos) << "missing: " << want << "\nall:\n" << text;
  }
}

TEST(UpstreamHostTest, PreservedRewrittenOrTheInstanceOfEachTry) {
  const auto config = [](const nlohmann::json& hostFields) {
    nlohmann::json route = {{"name", "r"}, {"match", {{"prefix", "/"}}}, {"service", "s"},
                            {"retry", {{"max_retries", 1}, {"backoff", {{"base_ms", 0}}}}}};
    route.update(hostFields);
    return testing::mustParse(nlohmann::json{
        {"services", {{{"name", "s"}, {"instances", {{{"id", "a"}, {"address", "10.0.0.1:8080"}},
                                                     {{"id", "b"}, {"address", "users.internal:81"}}}}}}},
        {"routes", {route}}}.dump());
  };
  const auto hostsSent = [](GatewayHarness& h) {
    h.start(makeRequest("GET", "/x", {{"Host", "api.example.com"}}));
    std::vector<std::pair<std::string, std::string>> sent;  // (instance address, Host)
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(h.transport.sends.size(), 1u);
      if (h.transport.sends.empty()) break;
      const auto& s = h.transport.sends.front();
      sent.emplace_back(std::string(s.endpoint.address), std::string(s.request.headers.get("host")));
      EXPECT_EQ(s.request.headers.all("host").size(), 1u);
      h.transport.respond(503);  // retried once, on the other instance
    }
    return sent;
  };

  GatewayHarness preserved(config(nlohmann::json::object()));
  for (const auto& [address, host] : hostsSent(preserved)) EXPECT_EQ(host, "api.example.com") << address;

  GatewayHarness instance(config({{"preserve_host", false}}));
  const auto tries = hostsSent(instance);
  ASSERT_EQ(tries.size(), 2u);
  EXPECT_NE(tries[0].first, tries[1].first);
  for (const auto& [address, host] : tries) EXPECT_EQ(host, address);  // each try names its own instance

  GatewayHarness rewritten(config({{"host_rewrite", "api.internal:8443"}}));
  for (const auto& [address, host] : hostsSent(rewritten)) EXPECT_EQ(host, "api.internal:8443") << address;
}

TEST(UpstreamHostTest, ARetryHashesTheClientsHostNotTheLastTrysInstance) {
  // preserve_host false sets each try's Host on the copy it sends: the request kept for
  // retries still has the client's Host, so consistent hashing on Host keys a retry by it.
  const auto config = testing::mustParse(nlohmann::json{
      {"services", {{{"name", "s"},
                     {"instances", {{{"id", "a"}, {"address", "10.0.0.1:80"}}, {{"id", "b"}, {"address", "10.0.0.2:80"}},
                                    {{"id", "c"}, {"address", "10.0.0.3:80"}}, {{"id", "d"}, {"address", "10.0.0.4:80"}}}},
                     {"load_balancer", {{"algorithm", "maglev"}, {"hash_on", "header:Host"}}}}}},
      {"routes", {{{"name", "r"}, {"match", {{"prefix", "/"}}}, {"service", "s"}, {"preserve_host", false},
                   {"retry", {{"max_retries", 1}, {"backoff", {{"base_ms", 0}}}}}}}}}.dump());
  Maglev reference(config->services[0].instances);
  Random unused(1);
  GatewayHarness h(config);
  for (int i = 0; i < 50; ++i) {
    const std::string host = fmt::format("tenant{}.example.com", i);
    h.start(makeRequest("GET", "/x", {{"Host", host}}));
    ASSERT_EQ(h.transport.sends.size(), 1u);
    const std::string first(h.transport.sends.front().endpoint.address);
    h.transport.respond(503);
    ASSERT_EQ(h.transport.sends.size(), 1u);
    const std::string second(h.transport.sends.front().endpoint.address);
    h.transport.respond(200);

    std::vector<std::uint8_t> excluded(4, 0);
    for (std::size_t k = 0; k < 4; ++k) excluded[k] = config->services[0].instances[k].address == first;
    const auto expected = reference.pick(PickContext{host, excluded}, unused);
    ASSERT_TRUE(expected);
    EXPECT_EQ(second, config->services[0].instances[*expected].address) << host;
  }
}

}  // namespace
}  // namespace gateway
