// mock-services on its own: deterministic data for a seed, the endpoints of every service,
// the /_faults API, per-instance counters, the capacity model's 503, and config errors.
#include <csignal>
#include <map>
#include <tuple>

#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;

class MockServicesTest : public StackTest {};

TEST_F(MockServicesTest, DataIsDeterministicForASeed) {
  GatewayStack again, other;
  std::string error;
  ASSERT_TRUE(again.startMocks(standardMocks(), error)) << error;
  json reseeded = standardMocks();
  reseeded["seed"] = 8;
  ASSERT_TRUE(other.startMocks(reseeded, error)) << error;
  for (const char* target : {"/users/7", "/users?limit=5"}) {
    const HttpReply a = fetch(stack_.mock("users"), "GET", target);
    const HttpReply b = fetch(again.mock("users", 2), "GET", target);
    ASSERT_EQ(a.status, 200);
    EXPECT_EQ(a.body, b.body) << target;
    EXPECT_NE(a.body, fetch(other.mock("users"), "GET", target).body) << target;
  }
  EXPECT_EQ(fetch(stack_.mock("orders"), "GET", "/orders?userId=3").body,
            fetch(again.mock("orders"), "GET", "/orders?userId=3").body);
}

TEST_F(MockServicesTest, EveryServiceAnswers) {
  json config = {{"seed", 1}, {"services", json::array()}};
  for (const char* s : {"users", "orders", "products", "payments", "inventory", "reviews", "recommendations"}) {
    config["services"].push_back({{"name", s}, {"spec", {{"latency", {{"kind", "constant"}, {"ms", 0.1}}}}}});
  }
  GatewayStack all;
  std::string error;
  ASSERT_TRUE(all.startMocks(config, error)) << error;
  const std::vector<std::tuple<std::string, std::string, std::string, int>> cases = {
      {"users", "GET", "/users/1", 200},
      {"users", "GET", "/users/1001", 404},
      {"users", "GET", "/users/abc", 400},
      {"orders", "GET", "/orders?userId=1", 200},
      {"orders", "GET", "/orders", 400},
      {"orders", "POST", "/orders", 201},
      {"products", "GET", "/products/500", 200},
      {"products", "GET", "/products?category=audio&limit=3", 200},
      {"payments", "POST", "/payments", 201},
      {"payments", "GET", "/payments", 405},
      {"inventory", "GET", "/inventory/12", 200},
      {"reviews", "GET", "/reviews?productId=12", 200},
      {"recommendations", "GET", "/recommendations?userId=5", 200},
      {"recommendations", "GET", "/nothing", 404},
  };
  for (const auto& [service, method, target, status] : cases) {
    const std::string body = method == "POST" ? R"({"order_id": 1, "amount_cents": 1500})" : "";
    const HttpReply r = fetch(all.mock(service), method, target, {}, body);
    EXPECT_EQ(r.status, status) << service << " " << method << " " << target << ": " << r.body;
    EXPECT_TRUE(json::accept(r.body)) << r.body;
    EXPECT_EQ(r.header("X-Mock-Service"), service);
  }
  const json recommended = json::parse(fetch(all.mock("recommendations"), "GET", "/recommendations?userId=5").body);
  EXPECT_EQ(recommended["products"].size(), 5u);
}

TEST_F(MockServicesTest, FaultApiAddsListsAndClears) {
  const std::string users = stack_.mock("users");
  HttpReply r = fetch(users, "POST", "/_faults", {},
                      R"({"faults": [{"kind": "abort", "service": "users", "status": 418},
                                     {"kind": "latency", "service": "orders", "latency_ms": 5, "for_s": 60}]})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json::parse(r.body)["active"], 2);
  EXPECT_EQ(json::parse(fetch(users, "GET", "/_faults").body)["faults"].size(), 2u);
  EXPECT_EQ(fetch(stack_.mock("users", 1), "GET", "/users/1").status, 418);
  EXPECT_EQ(fetch(stack_.mock("products"), "GET", "/products/1").status, 200);
  r = fetch(users, "DELETE", "/_faults?service=users");
  EXPECT_EQ(json::parse(r.body)["removed"], 1);
  EXPECT_EQ(fetch(users, "GET", "/users/1").status, 200);
  EXPECT_EQ(fetch(users, "DELETE", "/_faults").status, 200);
  EXPECT_EQ(json::parse(fetch(users, "GET", "/_faults").body)["faults"].size(), 0u);
}

TEST_F(MockServicesTest, BadFaultIsRefusedWithItsPath) {
  const HttpReply r = fetch(stack_.mock("users"), "POST", "/_faults", {}, R"({"kind": "abort", "latency_ms": 5})");
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(json::parse(r.body)["errors"][0]["path"], "/latency_ms");
  EXPECT_EQ(fetch(stack_.mock("users"), "POST", "/_faults", {}, "{not json").status, 400);
  EXPECT_EQ(fetch(stack_.mock("users"), "GET", "/users/1", {{"x-fault-abort", "999"}}).status, 400);
}

TEST_F(MockServicesTest, StatsCountRequestsPerInstance) {
  for (int i = 0; i < 4; ++i) ASSERT_EQ(fetch(stack_.mock("users", 1), "GET", "/users/2").status, 200);
  EXPECT_EQ(fetch(stack_.mock("users", 1), "GET", "/users/2", {{"x-fault-abort", "500"}}).status, 500);
  const json s = mockStats();
  for (const auto& i : s["instances"]) {
    if (i["instance"] != "users-2") continue;
    EXPECT_EQ(i["requests"], 5);
    EXPECT_EQ(i["responses"]["200"], 4);
    EXPECT_EQ(i["aborted"], 1);
  }
}

TEST_F(MockServicesTest, FullQueueIsRefusedWith503) {
  GatewayStack small;
  std::string error;
  ASSERT_TRUE(small.startMocks({{"services",
                                 json::array({{{"name", "users"},
                                               {"spec", {{"workers", 1}, {"queue", 1}, {"latency", {{"kind", "constant"}, {"ms", 300}}}}}}})}},
                               error))
      << error;
  std::vector<std::unique_ptr<HttpConnection>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(HttpConnection::open(small.mock("users"), error));
    ASSERT_TRUE(clients.back()) << error;
    ASSERT_TRUE(clients.back()->send(buildRequest("GET", "/users/1", "x")));
  }
  std::map<int, int> statuses;
  for (auto& c : clients) {
    auto r = c->read(5000ms);
    ASSERT_TRUE(r);
    ++statuses[r->status];
  }
  // One served, one queued then served, two refused at once.
  EXPECT_EQ(statuses, (std::map<int, int>{{200, 2}, {503, 2}}));
}

TEST_F(MockServicesTest, BadConfigNamesThePathAndExits2) {
  GatewayStack bad;
  std::string error;
  EXPECT_FALSE(bad.startMocks({{"services", json::array({{{"name", "users"}, {"spec", {{"workers", 0}}}}})}}, error));
  EXPECT_EQ(bad.mockProcess().wait(5000ms), std::optional<int>(2));
  EXPECT_NE(bad.mockProcess().stderrText().find("/services/0/spec/workers"), std::string::npos)
      << bad.mockProcess().stderrText();
}

TEST_F(MockServicesTest, SigtermExitsZero) {
  stack_.mockProcess().signal(SIGTERM);
  EXPECT_EQ(stack_.mockProcess().wait(5000ms), std::optional<int>(0)) << stack_.mockProcess().stderrText();
}

}  // namespace
}  // namespace gateway::testing
