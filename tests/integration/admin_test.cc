// The admin API over real sockets: health and readiness, Prometheus metrics that pass
// `promtool check metrics`, the /stats snapshot, config reload by POST /reload and SIGHUP
// (a bad config is refused with its JSON paths and the old one keeps serving), and the JSON
// access log.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

class AdminTest : public StackTest {
 protected:
  void SetUp() override {
    StackTest::SetUp();
    if (!HasFatalFailure()) startGateway();
  }
  HttpReply admin(std::string_view method, std::string_view target) { return fetch(stack_.admin(), method, target); }
  json stats() { return json::parse(admin("GET", "/stats").body, nullptr, false); }
};

TEST_F(AdminTest, HealthAndReadiness) {
  EXPECT_EQ(admin("GET", "/health").status, 200);
  const HttpReply ready = admin("GET", "/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(json::parse(ready.body)["status"], "ready");
  EXPECT_EQ(admin("GET", "/nope").status, 404);
  EXPECT_EQ(admin("GET", "/reload").status, 405);
}

TEST_F(AdminTest, MetricsPassPromtool) {
  ASSERT_EQ(get("/api/users/1").status, 200);
  ASSERT_EQ(get("/nowhere").status, 404);
  ASSERT_EQ(get("/dead/x").status, 502);
  const HttpReply m = admin("GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.header("Content-Type").find("text/plain; version=0.0.4"), std::string::npos);
  for (const char* needle : {"gateway_requests_total{route=\"users\",service=\"users\",code=\"200\"} 1",
                             "gateway_requests_total{route=\"dead\",service=\"dead\",code=\"502\"} 1",
                             "gateway_requests_total{route=\"\",service=\"\",code=\"404\"} 1",
                             "# TYPE gateway_request_duration_seconds histogram",
                             "gateway_request_duration_seconds_bucket{route=\"users\",le=\"+Inf\"} 1",
                             "gateway_upstream_duration_seconds_count{service=\"users\"} 1",
                             "gateway_upstream_requests_total{service=\"dead\",instance=",
                             "gateway_connections_active", "gateway_upstream_requests_in_flight{service=\"users\""}) {
    EXPECT_NE(m.body.find(needle), std::string::npos) << needle;
  }
  const auto promtool = promtoolCheck(m.body);
  if (!promtool) GTEST_SKIP() << "promtool is not installed";
  EXPECT_EQ(promtool->first, 0) << promtool->second;
}

TEST_F(AdminTest, StatsShowRoutesInstancesAndTotals) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(get("/api/users/" + std::to_string(i + 1)).status, 200);
  const json s = stats();
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["config_version"], 1);
  EXPECT_EQ(s["requests"]["total"], 3);
  EXPECT_EQ(s["requests"]["in_flight"], 0);
  bool sawUsersRoute = false;
  for (const auto& r : s["routes"]) {
    if (r["name"] == "users") {
      sawUsersRoute = true;
      EXPECT_EQ(r["requests"], 3);
    }
  }
  EXPECT_TRUE(sawUsersRoute);
  for (const auto& svc : s["services"]) {
    if (svc["name"] != "users") continue;
    ASSERT_EQ(svc["instances"].size(), 3u);
    for (const auto& inst : svc["instances"]) EXPECT_EQ(inst["attempts"], 1);
  }
  // Live policy state comes from the core's policy report, one section per policy.
  const json& policies = s["policies"];
  ASSERT_EQ(policies["upstream_instances"]["users"].size(), 3u) << policies.dump(2);
  for (const auto& [id, inst] : policies["upstream_instances"]["users"].items()) EXPECT_EQ(inst["in_flight"], 0) << id;
  for (const char* section : {"rate_limits", "circuit_breakers", "outlier_detection", "concurrency", "retry_budgets"}) {
    EXPECT_TRUE(policies[section].is_object()) << section;
  }
  EXPECT_EQ(policies["retry_budgets"].size(), 5u) << "every service has one";
  EXPECT_FALSE(s.contains("breakers"));
  EXPECT_FALSE(s.contains("cache")) << "no cache yet: it will add its own section";
  EXPECT_TRUE(s.contains("upstream_connections"));
}

TEST_F(AdminTest, ReloadWithAGoodConfigSwitchesRoutes) {
  EXPECT_EQ(get("/v2/users/1").status, 404);
  json config = standardGateway();
  config["routes"].push_back({{"name", "users-v2"},
                              {"match", {{"template", "/v2/users/{id}"}}},
                              {"service", "users"},
                              {"rewrite", "/users/{id}"}});
  stack_.writeGatewayConfig(config);
  const HttpReply r = admin("POST", "/reload");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["version"], 2);
  const HttpReply v2 = get("/v2/users/1");
  EXPECT_EQ(v2.status, 200);
  EXPECT_EQ(v2.header("X-Mock-Target"), "/users/1");
}

TEST_F(AdminTest, ReloadWithABadConfigIsRefusedWithPaths) {
  json config = standardGateway();
  config["routes"][0]["service"] = "userz";
  config["routes"][1]["match"]["prefix"] = 42;
  stack_.writeGatewayConfig(config);
  HttpReply r = admin("POST", "/reload");
  ASSERT_EQ(r.status, 400) << r.body;
  const json body = json::parse(r.body);
  EXPECT_EQ(body["status"], "rejected");
  EXPECT_EQ(body["version"], 1);
  std::vector<std::string> paths;
  for (const auto& e : body["errors"]) paths.push_back(e["path"]);
  EXPECT_NE(std::find(paths.begin(), paths.end(), "/routes/0/service"), paths.end()) << r.body;
  EXPECT_NE(std::find(paths.begin(), paths.end(), "/routes/1/match/prefix"), paths.end()) << r.body;
  EXPECT_EQ(get("/api/users/1").status, 200);  // the old config keeps serving

  stack_.writeGatewayConfigText("{\"services\": [");
  r = admin("POST", "/reload");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("line"), std::string::npos) << r.body;
  EXPECT_EQ(get("/api/users/1").status, 200);
}

TEST_F(AdminTest, SighupReloads) {
  json config = standardGateway();
  config["routes"].push_back({{"name", "hup"}, {"match", {{"path", "/hup"}}}, {"service", "echo"}});
  stack_.writeGatewayConfig(config);
  stack_.gatewayProcess().signal(SIGHUP);
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  int version = 1;
  while (version != 2 && Clock::now() < deadline) version = stats().value("config_version", 0);
  EXPECT_EQ(version, 2);
  EXPECT_EQ(get("/hup").status, 200);
  EXPECT_TRUE(stack_.gatewayProcess().running());
}

TEST_F(AdminTest, AccessLogHasOneJsonLinePerRequest) {
  // Quotes and backslashes are legal in a correlation id: the line must stay valid JSON.
  const std::string id = R"(log-"me"\1)";
  const HttpReply r = get("/api/users/9", {{"X-Correlation-ID", id}});
  ASSERT_EQ(r.status, 200);
  // Workers flush their log buffers every 200 ms: poll the file with a deadline.
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  json line;
  while (line.is_null() && Clock::now() < deadline) {
    std::ifstream in(stack_.accessLogPath());
    std::string text;
    while (std::getline(in, text)) {
      const json parsed = json::parse(text, nullptr, false);
      EXPECT_TRUE(parsed.is_object()) << "not JSON: " << text;
      if (parsed.is_object() && parsed["correlation_id"] == id) line = parsed;
    }
  }
  ASSERT_TRUE(line.is_object()) << "no access-log line for the request";
  EXPECT_EQ(line["route"], "users");
  EXPECT_EQ(line["service"], "users");
  EXPECT_EQ(line["status"], 200);
  EXPECT_EQ(line["outcome"], "upstream");
  EXPECT_EQ(line["target"], "/api/users/9");
  EXPECT_TRUE(line["instance"].is_string());
  EXPECT_GE(line["duration_ms"].get<double>(), line["upstream_ms"].get<double>());
  EXPECT_TRUE(line.contains("consumer"));
}

}  // namespace
}  // namespace gateway::testing
