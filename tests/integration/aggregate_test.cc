// Request aggregation through gatewayd and mock-services, with the shipped example's routes
// (tools/gatewayd/example.json pointed at the test's mock ports): the user dashboard whole and
// equal to what the services answer; the product page; the orders service failing (an abort
// fault, then refused connections) gives a 200 partial answer with the status block and
// X-KrakenD-Completed: false; the "fail" policy gives the failure status; an unknown user is a
// 404; the counters in /stats and /metrics.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/integration/gateway_stack.h"
#include "tests/integration/http_client.h"

namespace gateway::testing {
namespace {

using nlohmann::json;

class AggregateStackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const json fast = {{"workers", 16}, {"queue", 256}, {"latency", {{"kind", "constant"}, {"ms", 0.05}}}};
    json services = json::array();
    for (const char* name : {"users", "orders", "products", "payments", "inventory", "reviews", "recommendations"}) {
      services.push_back({{"name", name}, {"instances", std::string(name) == "users" ? 2 : 1}, {"spec", fast}});
    }
    std::string error;
    ASSERT_TRUE(stack_.startMocks({{"seed", 11}, {"services", services}}, error)) << error;
  }

  // The shipped example, its services at the mocks' ports.
  json exampleConfig() const {
    std::ifstream in(std::string(GATEWAY_SOURCE_DIR) + "/tools/gatewayd/example.json");
    std::stringstream text;
    text << in.rdbuf();
    json config = json::parse(text.str());
    for (auto& service : config["services"]) {
      const std::string name = service["name"];
      json instances = json::array();
      for (std::size_t i = 0; i < service["instances"].size(); ++i) instances.push_back(stack_.mock(name, i));
      service["instances"] = instances;
    }
    return config;
  }
  json& route(json& config, const std::string& name) {
    for (auto& r : config["routes"]) {
      if (r["name"] == name) return r;
    }
    ADD_FAILURE() << "no route " << name;
    return config;
  }
  void start(const json& config) {
    std::string error;
    ASSERT_TRUE(stack_.startGateway(config, error)) << error;
  }
  HttpReply get(const std::string& target) { return fetch(stack_.gateway(), "GET", target); }
  json mockAnswer(const std::string& service, const std::string& target) {
    return json::parse(fetch(stack_.mock(service), "GET", target).body, nullptr, false);
  }
  void fault(const json& spec) {
    const HttpReply r = fetch(stack_.mock("users"), "POST", "/_faults", {{"Content-Type", "application/json"}}, spec.dump());
    ASSERT_EQ(r.status, 201) << r.body;
  }

  GatewayStack stack_;
};

TEST_F(AggregateStackTest, TheUserDashboardIsTheUserWithTheirOrdersAndRecommendations) {
  start(exampleConfig());
  const HttpReply r = get("/api/user-dashboard/42");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("X-KrakenD-Completed"), "true");
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  const json body = json::parse(r.body);
  const json user = mockAnswer("users", "/users/42");
  const json orders = mockAnswer("orders", "/orders?userId=42");
  const json recs = mockAnswer("recommendations", "/recommendations?userId=42");
  EXPECT_EQ(body["id"], 42);
  EXPECT_EQ(body["name"], user["name"]);
  EXPECT_EQ(body["tier"], user["tier"]);
  EXPECT_FALSE(body.contains("email"));  // the user part's deny
  ASSERT_EQ(body["orders"].size(), orders["orders"].size());
  for (std::size_t i = 0; i < orders["orders"].size(); ++i) {
    const json& o = orders["orders"][i];
    EXPECT_EQ(body["orders"][i], (json{{"id", o["id"]}, {"total_cents", o["total_cents"]}, {"status", o["status"]}}));
  }
  EXPECT_FALSE(body.contains("user_id"));  // the orders part's allow list
  EXPECT_EQ(body["recommended"], json({{"products", recs["products"]}}));
  for (const char* part : {"user", "orders", "recommendations"}) {
    EXPECT_EQ(body["_parts"][part]["status"], "ok") << part;
    EXPECT_EQ(body["_parts"][part]["http_status"], 200) << part;
  }
  // The counters.
  const json stats = json::parse(fetch(stack_.admin(), "GET", "/stats").body);
  const json& dash = stats["policies"]["aggregate"]["routes"]["user-dashboard"];
  EXPECT_EQ(dash["complete"], 1) << stats["policies"].dump();
  EXPECT_EQ(dash["parts"]["orders"]["ok"], 1);
  const std::string metrics = fetch(stack_.admin(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("gateway_aggregate_answers_total{route=\"user-dashboard\",result=\"complete\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("gateway_aggregate_parts_total{route=\"user-dashboard\",part=\"user\",status=\"ok\"} 1"),
            std::string::npos);
}

TEST_F(AggregateStackTest, TheProductPageAndItsOptionalRecommendations) {
  start(exampleConfig());
  const HttpReply plain = get("/api/product-page/7");
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(plain.header("X-KrakenD-Completed"), "true");  // recommendations are optional
  json body = json::parse(plain.body);
  const json product = mockAnswer("products", "/products/7");
  const json reviews = mockAnswer("reviews", "/reviews?productId=7");
  EXPECT_EQ(body["name"], product["name"]);
  EXPECT_EQ(body["price_cents"], product["price_cents"]);
  EXPECT_EQ(body["inventory"]["warehouse"], mockAnswer("inventory", "/inventory/7")["warehouse"]);
  EXPECT_FALSE(body["inventory"].contains("reserved"));
  EXPECT_EQ(body["average_rating"], reviews["average"]);
  EXPECT_EQ(body["reviews"], reviews["reviews"]);
  EXPECT_EQ(body["_parts"]["recommendations"]["status"], "skipped");
  EXPECT_FALSE(body.contains("recommended"));
  const HttpReply personal = get("/api/product-page/7?userId=5");
  ASSERT_EQ(personal.status, 200) << personal.body;
  body = json::parse(personal.body);
  EXPECT_EQ(body["recommended"]["products"], mockAnswer("recommendations", "/recommendations?userId=5")["products"]);
}

TEST_F(AggregateStackTest, OrdersFailingGivesAPartialDashboard) {
  start(exampleConfig());
  fault({{"kind", "abort"}, {"service", "orders"}, {"status", 503}});
  const HttpReply r = get("/api/user-dashboard/42");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("X-KrakenD-Completed"), "false");
  const json body = json::parse(r.body);
  EXPECT_EQ(body["id"], 42);
  EXPECT_FALSE(body.contains("orders"));
  EXPECT_EQ(body["_parts"]["orders"]["status"], "5xx");
  EXPECT_EQ(body["_parts"]["orders"]["http_status"], 503);
  EXPECT_EQ(body["_parts"]["orders"]["error"], "the service answered 503");
  EXPECT_EQ(body["_parts"]["user"]["status"], "ok");
  EXPECT_EQ(body["_parts"]["recommendations"]["status"], "ok");
  const json stats = json::parse(fetch(stack_.admin(), "GET", "/stats").body);
  EXPECT_EQ(stats["policies"]["aggregate"]["routes"]["user-dashboard"]["partial"], 1);
}

TEST_F(AggregateStackTest, OrdersDownIsAPartOfTheAnswerNotAnError) {
  start(exampleConfig());
  fault({{"kind", "down"}, {"service", "orders"}});
  const HttpReply r = get("/api/user-dashboard/42");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("X-KrakenD-Completed"), "false");
  const json body = json::parse(r.body);
  EXPECT_EQ(body["_parts"]["orders"]["status"], "5xx");
  // mock-services' "down" closes new connections as they come: a reset or a refusal.
  const std::string why = body["_parts"]["orders"].value("error", "");
  EXPECT_TRUE(why == "upstream_reset" || why == "upstream_connect_error") << why;
  EXPECT_EQ(body["_parts"]["orders"]["http_status"], 502);
  EXPECT_EQ(body["name"], mockAnswer("users", "/users/42")["name"]);
}

TEST_F(AggregateStackTest, TheFailPolicyAnswersTheFailureWithTheStatusBlock) {
  json config = exampleConfig();
  route(config, "user-dashboard")["aggregate"]["partial"] = "fail";
  start(config);
  fault({{"kind", "abort"}, {"service", "orders"}, {"status", 503}});
  const HttpReply r = get("/api/user-dashboard/42");
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_EQ(r.header("X-KrakenD-Completed"), "false");
  const json body = json::parse(r.body);
  EXPECT_EQ(body["error"]["code"], "aggregate_failed");
  EXPECT_EQ(body["error"]["message"], "parts failed: orders (5xx)");
  EXPECT_EQ(body["_parts"]["orders"]["http_status"], 503);
  EXPECT_FALSE(body.contains("name"));
}

TEST_F(AggregateStackTest, AnUnknownUserIsA404) {
  start(exampleConfig());
  const HttpReply r = get("/api/user-dashboard/2000");
  EXPECT_EQ(r.status, 404) << r.body;
  const json body = json::parse(r.body);
  EXPECT_EQ(body["_parts"]["user"]["status"], "4xx");
  EXPECT_EQ(body["_parts"]["recommendations"]["status"], "skipped");
}

}  // namespace
}  // namespace gateway::testing
