// Upstream failures, injected in mock-services by request header and by its /_faults API,
// mapped by the gateway: refused or reset connections -> 502, too slow or hung -> 504,
// upstream error statuses passed through.
#include <chrono>

#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

class FaultMappingTest : public StackTest {
 protected:
  void SetUp() override {
    StackTest::SetUp();
    if (!HasFatalFailure()) startGateway();
  }
  static std::string code(const HttpReply& r) {
    const json body = json::parse(r.body, nullptr, false);
    return body.is_object() && body.contains("error") ? body["error"]["code"].get<std::string>() : "";
  }
  HttpReply postFault(const json& fault) {
    return fetch(stack_.mock("users"), "POST", "/_faults", {{"Content-Type", "application/json"}}, fault.dump());
  }
};

TEST_F(FaultMappingTest, UpstreamErrorStatusPassesThrough) {
  const HttpReply r = get("/api/users/1", {{"x-fault-abort", "503"}});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(code(r), "fault_abort");  // the upstream's own body
  EXPECT_EQ(r.header("X-Mock-Service"), "users");
}

TEST_F(FaultMappingTest, ConnectionRefusedIs502) {
  const HttpReply r = get("/dead/x");
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_EQ(code(r), "upstream_connect_error");
}

TEST_F(FaultMappingTest, ConnectionResetIs502) {
  const HttpReply r = get("/echo/x", {{"x-fault-reset", "1"}});
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_EQ(code(r), "upstream_reset");
  EXPECT_EQ(get("/echo/after").status, 200);  // the pool recovers
}

TEST_F(FaultMappingTest, SlowUpstreamIs504AtTheRouteDeadline) {
  const auto start = Clock::now();
  const HttpReply r = get("/slow/x", {{"x-fault-delay-ms", "3000"}});
  const auto elapsed = Clock::now() - start;
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_EQ(code(r), "upstream_timeout");
  EXPECT_GE(elapsed, std::chrono::milliseconds(290));
  EXPECT_LT(elapsed, std::chrono::milliseconds(2000));
}

TEST_F(FaultMappingTest, HungUpstreamIs504) {
  const HttpReply r = get("/slow/x", {{"x-fault-hang", "1"}});
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_EQ(get("/slow/after").status, 200);  // the hung connection was dropped, not reused
}

TEST_F(FaultMappingTest, FaultApiAbortAndDownReachTheClient) {
  HttpReply added = postFault({{"kind", "abort"}, {"service", "orders"}, {"status", 500}});
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(get("/api/orders?userId=1").status, 500);
  EXPECT_EQ(fetch(stack_.mock("users"), "DELETE", "/_faults").status, 200);
  EXPECT_EQ(get("/api/orders?userId=1").status, 200);

  added = postFault({{"kind", "down"}, {"service", "orders"}});
  ASSERT_EQ(added.status, 201) << added.body;
  const HttpReply down = get("/api/orders?userId=1");
  EXPECT_EQ(down.status, 502) << down.body;
  EXPECT_EQ(fetch(stack_.mock("users"), "DELETE", "/_faults").status, 200);
  EXPECT_EQ(get("/api/orders?userId=1").status, 200);
}

TEST_F(FaultMappingTest, LatencyFaultOnOneInstanceDelaysOnlyIt) {
  ASSERT_EQ(postFault({{"kind", "latency"}, {"service", "users"}, {"instance", "users-2"}, {"latency_ms", 150}}).status, 201);
  std::string error;
  auto c = HttpConnection::open(stack_.gateway(), error);
  ASSERT_TRUE(c) << error;
  for (int i = 0; i < 6; ++i) {
    const auto start = Clock::now();
    auto r = c->request("GET", "/api/users/1");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    const bool slow = Clock::now() - start >= std::chrono::milliseconds(140);
    EXPECT_EQ(slow, r->header("X-Mock-Instance") == "users-2") << r->header("X-Mock-Instance");
  }
}

}  // namespace
}  // namespace gateway::testing
