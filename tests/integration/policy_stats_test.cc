// Live policy state over real sockets: /stats "policies" shows a configured circuit breaker
// as it goes from closed to open on faults injected in mock-services (POST /_faults), with
// its config, counters and transition history; the other policies appear in their sections;
// and /metrics, with the new policy families, still passes `promtool check metrics`.
#include <chrono>
#include <cstdlib>

#include "libgateway/core/time.h"
#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;

class PolicyStatsTest : public StackTest {
 protected:
  json stats() { return json::parse(fetch(stack_.admin(), "GET", "/stats").body, nullptr, false); }
  static json& service(json& config, const std::string& name) {
    for (auto& s : config["services"]) {
      if (s["name"] == name) return s;
    }
    throw std::runtime_error("no service " + name);
  }
};

TEST_F(PolicyStatsTest, StatsShowABreakerOpeningLive) {
  json config = standardGateway();
  service(config, "orders")["instances"] = json::array({{{"id", "orders-1"}, {"address", stack_.mock("orders")}}});
  service(config, "orders")["circuit_breaker"] = {{"mode", "consecutive"}, {"max_errors", 2}, {"open_ms", 60000}};
  service(config, "echo")["concurrency"] = {{"max_requests", 4}, {"max_pending", 2}};
  service(config, "users")["outlier_detection"] = {{"consecutive_5xx", 3}};
  startGateway(config);
  ASSERT_EQ(get("/api/orders?userId=1").status, 200);

  json s = stats();
  ASSERT_TRUE(s.is_object());
  EXPECT_FALSE(s.contains("breakers"));
  EXPECT_FALSE(s.contains("cache"));
  json breakers = s["policies"]["circuit_breakers"];
  ASSERT_EQ(breakers.size(), 1u) << breakers.dump(2);
  EXPECT_EQ(breakers["orders"]["state"], "closed");
  EXPECT_EQ(breakers["orders"]["transitions"], 0);
  EXPECT_EQ(breakers["orders"]["config"]["mode"], "consecutive");
  EXPECT_EQ(breakers["orders"]["config"]["max_errors"], 2);
  EXPECT_EQ(breakers["orders"]["config"]["open_ms"], 60000);
  EXPECT_EQ(s["policies"]["concurrency"]["echo"]["max_requests"], 4);
  EXPECT_EQ(s["policies"]["concurrency"]["echo"]["in_flight"], 0);
  EXPECT_EQ(s["policies"]["outlier_detection"]["users"]["instances"].size(), 3u);
  EXPECT_EQ(s["policies"]["retry_budgets"]["orders"]["active_requests"], 0);
  EXPECT_EQ(s["policies"]["upstream_instances"]["orders"]["orders-1"]["in_flight"], 0);

  const HttpReply fault = fetch(stack_.mock("users"), "POST", "/_faults", {{"Content-Type", "application/json"}},
                                json({{"kind", "abort"}, {"service", "orders"}, {"status", 500}}).dump());
  ASSERT_EQ(fault.status, 201) << fault.body;
  for (int i = 0; i < 2; ++i) EXPECT_EQ(get("/api/orders?userId=1").status, 500);
  s = stats();
  EXPECT_EQ(s["policies"]["circuit_breakers"]["orders"]["state"], "closed") << "two failures: not more than max_errors";
  EXPECT_EQ(s["policies"]["circuit_breakers"]["orders"]["failures"], 2);

  EXPECT_EQ(get("/api/orders?userId=1").status, 500);  // the third: open
  EXPECT_EQ(get("/api/orders?userId=1").status, 503);  // answered by the breaker
  s = stats();
  const json& orders = s["policies"]["circuit_breakers"]["orders"];
  EXPECT_EQ(orders["state"], "open") << orders.dump(2);
  EXPECT_EQ(orders["rejected"], 1);
  EXPECT_EQ(orders["transitions"], 1);
  EXPECT_EQ(orders["open_until_us"].get<std::int64_t>() - orders["since_us"].get<std::int64_t>(), seconds(60));
  ASSERT_EQ(orders["history"].size(), 1u);
  EXPECT_EQ(orders["history"][0]["from"], "closed");
  EXPECT_EQ(orders["history"][0]["to"], "open");
  EXPECT_EQ(orders["history"][0]["reason"], "3 consecutive failures (more than max_errors 2)");
  // Time points are the gateway's steady clock; with the offset they are Unix time (now-ish).
  const std::int64_t unixSince = orders["since_us"].get<std::int64_t>() + s["policies"]["unix_time_offset_us"].get<std::int64_t>();
  const std::int64_t unixNow =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LT(std::abs(unixNow - unixSince), seconds(60));

  const HttpReply m = fetch(stack_.admin(), "GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  for (const char* line : {"gateway_circuit_state{service=\"orders\"} 1\n", "gateway_circuit_rejected_total{service=\"orders\"} 1\n",
                           "gateway_circuit_transitions_total{service=\"orders\"} 1\n",
                           "gateway_concurrency_limit{service=\"echo\"} 4\n",
                           "gateway_outlier_ejected{service=\"users\",instance=\"users-2\"} 0\n",
                           "gateway_retry_budget_exhausted_total{service=\"orders\"} 0\n"}) {
    EXPECT_NE(m.body.find(line), std::string::npos) << line;
  }
  const auto promtool = promtoolCheck(m.body);
  if (!promtool) GTEST_SKIP() << "promtool is not installed";
  EXPECT_EQ(promtool->first, 0) << promtool->second;
}

}  // namespace
}  // namespace gateway::testing
