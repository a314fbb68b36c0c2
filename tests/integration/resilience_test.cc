// Resilience over real sockets: a circuit breaker opening on faults injected in
// mock-services and closing again once they heal, an instance ejected by outlier detection
// and readmitted, and retries that route around a failing instance within the retry budget.
// Recovery is awaited by polling with a deadline (real time: gatewayd runs the system clock).
#include <chrono>
#include <map>

#include <fmt/format.h>

#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

class ResilienceTest : public StackTest {
 protected:
  HttpReply postFault(const json& fault) {
    return fetch(stack_.mock("users"), "POST", "/_faults", {{"Content-Type", "application/json"}}, fault.dump());
  }
  void clearFaults() { ASSERT_EQ(fetch(stack_.mock("users"), "DELETE", "/_faults").status, 200); }
  static std::string code(const HttpReply& r) {
    const json body = json::parse(r.body, nullptr, false);
    return body.is_object() && body.contains("error") ? body["error"]["code"].get<std::string>() : "";
  }
  // Requests `target` until it answers `status` or `timeout` passes; the number of tries, or -1.
  int pollUntil(const std::string& target, int status, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (int tries = 1; Clock::now() < deadline; ++tries) {
      if (get(target).status == status) return tries;
    }
    return -1;
  }
  json& service(json& config, const std::string& name) {
    for (auto& s : config["services"]) {
      if (s["name"] == name) return s;
    }
    throw std::runtime_error("no service " + name);
  }
};

TEST_F(ResilienceTest, BreakerOpensOnInjectedFaultsAndRecovers) {
  json config = standardGateway();
  service(config, "orders")["circuit_breaker"] = {{"mode", "consecutive"}, {"max_errors", 2}, {"open_ms", 300}};
  startGateway(config);
  ASSERT_EQ(get("/api/orders?userId=1").status, 200);
  ASSERT_EQ(postFault({{"kind", "abort"}, {"service", "orders"}, {"status", 500}}).status, 201);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(get("/api/orders?userId=1").status, 500);
  const std::uint64_t sentWhileClosed = mockRequests("orders-1");

  const HttpReply open = get("/api/orders?userId=1");
  EXPECT_EQ(open.status, 503) << open.body;
  EXPECT_EQ(code(open), "circuit_open");
  EXPECT_EQ(open.header("Retry-After"), "1");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(get("/api/orders?userId=1").status, 503);
  EXPECT_EQ(mockRequests("orders-1"), sentWhileClosed) << "an open breaker must not call upstream";
  const std::string openMetrics = fetch(stack_.admin(), "GET", "/metrics").body;
  EXPECT_NE(openMetrics.find("gateway_circuit_state{service=\"orders\"} 1\n"), std::string::npos) << openMetrics;
  EXPECT_NE(openMetrics.find("gateway_circuit_rejected_total{service=\"orders\"} 6\n"), std::string::npos);

  clearFaults();
  // After open_ms a trial call goes through and, succeeding, closes the breaker.
  EXPECT_GT(pollUntil("/api/orders?userId=1", 200, std::chrono::seconds(3)), 0);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(get("/api/orders?userId=1").status, 200);

  const std::string metrics = fetch(stack_.admin(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("gateway_requests_total"), std::string::npos);
  EXPECT_NE(metrics.find("gateway_circuit_state{service=\"orders\"} 0\n"), std::string::npos) << "closed again";
  EXPECT_NE(metrics.find("gateway_circuit_transitions_total{service=\"orders\"} 3\n"), std::string::npos)
      << "closed -> open -> half_open -> closed";
}

TEST_F(ResilienceTest, FailingInstanceIsEjectedAndReadmitted) {
  json config = standardGateway();
  service(config, "users")["outlier_detection"] = {
      {"consecutive_5xx", 2}, {"base_ejection_ms", 400}, {"max_ejection_percent", 34}};
  startGateway(config);
  ASSERT_EQ(postFault({{"kind", "abort"}, {"service", "users"}, {"instance", "users-2"}, {"status", 500}}).status, 201);
  std::string error;
  auto c = HttpConnection::open(stack_.gateway(), error);
  ASSERT_TRUE(c) << error;
  int failures = 0;
  for (int i = 0; i < 6; ++i) {  // round robin: users-2 fails twice and is ejected
    auto r = c->request("GET", "/api/users/1");
    ASSERT_TRUE(r);
    failures += r->status == 500;
  }
  EXPECT_EQ(failures, 2);
  std::map<std::string, int> seen;
  for (int i = 0; i < 12; ++i) {
    auto r = c->request("GET", "/api/users/1");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    ++seen[r->header("X-Mock-Instance")];
  }
  EXPECT_EQ(seen.count("users-2"), 0u);
  EXPECT_EQ(seen["users-1"] + seen["users-3"], 12);

  clearFaults();
  // Readmitted after 400 ms: users-2 serves again.
  const auto deadline = Clock::now() + std::chrono::seconds(3);
  bool back = false;
  while (!back && Clock::now() < deadline) {
    auto r = c->request("GET", "/api/users/1");
    ASSERT_TRUE(r);
    back = r->header("X-Mock-Instance") == "users-2";
  }
  EXPECT_TRUE(back);
}

TEST_F(ResilienceTest, RetriesRouteAroundAFailingInstanceWithinTheBudget) {
  json config = standardGateway();
  config["routes"][0]["retry"] = {{"max_retries", 2}, {"retry_on", {"gateway_error"}}, {"backoff", {{"base_ms", 0}}}};
  startGateway(config);
  ASSERT_EQ(postFault({{"kind", "abort"}, {"service", "users"}, {"instance", "users-1"}, {"status", 503}}).status, 201);
  const std::uint64_t before1 = mockRequests("users-1");
  const std::uint64_t beforeHealthy = mockRequests("users-2") + mockRequests("users-3");
  for (int i = 0; i < 9; ++i) {
    const HttpReply r = get(fmt::format("/api/users/{}", i + 1));
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_NE(r.header("X-Mock-Instance"), "users-1");
  }
  // Every try that reached users-1 was retried on a healthy instance, which served each
  // request exactly once.
  EXPECT_GE(mockRequests("users-1") - before1, 1u);
  EXPECT_EQ(mockRequests("users-2") + mockRequests("users-3") - beforeHealthy, 9u);
}

TEST_F(ResilienceTest, ConcurrencyCapAnswers503) {
  json config = standardGateway();
  service(config, "echo")["concurrency"] = {{"max_requests", 1}};
  for (json& route : config["routes"]) {
    if (route["name"] == "slow") route["timeout_ms"] = 3000;
  }
  startGateway(config);
  std::string error;
  auto slow = HttpConnection::open(stack_.gateway(), error);
  ASSERT_TRUE(slow) << error;
  ASSERT_TRUE(slow->send(buildRequest("GET", "/slow/x", "gw", {{"x-fault-delay-ms", "1500"}})));
  // While the slow request holds the only slot (1.5 s: wide enough for a loaded sanitizer
  // run), the next one is refused at once.
  HttpReply refused;
  const auto deadline = Clock::now() + std::chrono::seconds(3);
  do {
    refused = get("/echo/y");
  } while (refused.status == 200 && Clock::now() < deadline);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(code(refused), "overloaded");
  auto r = slow->read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(get("/echo/z").status, 200);  // the slot came back
}

}  // namespace
}  // namespace gateway::testing
