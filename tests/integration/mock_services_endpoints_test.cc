// The mock-services endpoints as mock-services --help and mock-services/README.md describe
// them, where mock_services_test.cc does not already hold them: the control endpoints on
// every port (/_health, /_echo from any service kind, /_faults' 405 and its error message),
// and the documented 400s and 404s of the services.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/gateway_stack.h"
#include "tests/integration/http_client.h"

namespace gateway::testing {
namespace {

using nlohmann::json;

class MockEndpoints : public ::testing::Test {
 protected:
  void SetUp() override {
    json config = {{"seed", 42}, {"services", json::array()}};
    for (const char* s : {"users", "orders", "payments", "inventory", "reviews"}) {
      config["services"].push_back({{"name", s}, {"spec", {{"latency", {{"kind", "constant"}, {"ms", 0.1}}}}}});
    }
    std::string error;
    ASSERT_TRUE(stack_.startMocks(config, error)) << error;
  }
  GatewayStack stack_;
};

TEST_F(MockEndpoints, ControlEndpointsAnswerOnEveryPort) {
  for (const char* service : {"users", "reviews"}) {
    const HttpReply health = fetch(stack_.mock(service), "GET", "/_health");
    EXPECT_EQ(health.status, 200) << service;
    EXPECT_EQ(json::parse(health.body), json({{"status", "ok"}})) << service;
    const HttpReply echo = fetch(stack_.mock(service), "POST", "/_echo/anything?x=1", {{"X-Demo", "1"}}, "hi");
    ASSERT_EQ(echo.status, 200) << service << ": " << echo.body;
    const json e = json::parse(echo.body);
    EXPECT_EQ(e["method"], "POST");
    EXPECT_EQ(e["path"], "/_echo/anything");
    EXPECT_EQ(e["query"], "x=1");
    EXPECT_EQ(e["body"], "hi");
    EXPECT_EQ(echo.header("X-Mock-Service"), service);
  }
  // /_health and /_stats are not traffic: only the /_echo request was counted.
  const json stats = json::parse(fetch(stack_.mock("users"), "GET", "/_stats").body);
  json users1;
  for (const auto& i : stats["instances"]) {
    if (i["instance"] == "users-1") users1 = i;
  }
  ASSERT_TRUE(users1.is_object()) << stats.dump();
  EXPECT_EQ(users1["requests"], 1) << users1.dump();
}

TEST_F(MockEndpoints, FaultApiRefusesOtherMethodsAndExplainsBadFaults) {
  const HttpReply put = fetch(stack_.mock("orders"), "PUT", "/_faults");
  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(put.header("Allow"), "GET, HEAD, POST, DELETE");
  const HttpReply bad = fetch(stack_.mock("orders"), "POST", "/_faults", {}, R"({"kind": "abort", "latency_ms": 5})");
  ASSERT_EQ(bad.status, 400);
  const json b = json::parse(bad.body);
  EXPECT_EQ(b["error"]["code"], "bad_fault");
  EXPECT_EQ(b["error"]["message"], "/latency_ms: only latency faults take latency_ms");
  EXPECT_EQ(b["errors"][0]["path"], "/latency_ms");
}

TEST_F(MockEndpoints, DocumentedErrorsOfTheServices) {
  struct Case {
    const char* service;
    const char* method;
    const char* target;
    const char* body;
    int status;
    const char* message;
  };
  const Case cases[] = {
      {"orders", "GET", "/orders", "", 400, "userId: required (/orders?userId=42)"},
      {"orders", "GET", "/orders?userId=5000", "", 404, "no user 5000"},
      {"reviews", "GET", "/reviews/3", "", 404, "no resource at /reviews/3"},
      {"reviews", "GET", "/reviews", "", 400, "productId: required (/reviews?productId=7)"},
      {"payments", "POST", "/payments", "{}", 400, "amount_cents: expected a positive integer"},
      {"payments", "POST", "/payments", "[1]", 400, "body: expected a JSON object"},
      {"inventory", "GET", "/inventory", "", 404, "no resource at /inventory"},
      {"users", "DELETE", "/users/1", "", 405, "DELETE is not allowed on /users/1"},
  };
  for (const auto& c : cases) {
    const HttpReply r = fetch(stack_.mock(c.service), c.method, c.target, {}, c.body);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.target << ": " << r.body;
    EXPECT_EQ(json::parse(r.body, nullptr, false).value("/error/message"_json_pointer, std::string()), c.message)
        << c.method << " " << c.target;
  }
  EXPECT_EQ(fetch(stack_.mock("payments"), "POST", "/payments", {}, R"({"amount_cents": 100001})").status, 201);
  EXPECT_EQ(json::parse(fetch(stack_.mock("payments"), "POST", "/payments", {}, R"({"amount_cents": 100001})").body)["status"],
            "declined");
}

}  // namespace
}  // namespace gateway::testing
