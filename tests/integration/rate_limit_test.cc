// Rate limiting over real sockets: many concurrent clients on several gateway threads share
// one limit, and never more requests are admitted than it allows; refused requests get 429
// with Retry-After and the RateLimit headers.
#include <atomic>
#include <thread>
#include <vector>

#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;

class RateLimitTest : public StackTest {};

TEST_F(RateLimitTest, ConcurrentClientsNeverExceedTheLimit) {
  json config = standardGateway();
  config["rate_limits"] = {
      {"policies", {{"users-global", {{"algorithm", "fixed_window"}, {"limit", 25}, {"window_ms", 600000}, {"key", "route"}}}}}};
  config["routes"][0]["rate_limit"] = {{"policies", json::array({"users-global"})}};
  startGateway(config, {"--threads", "2"});

  constexpr int kClients = 8, kEach = 10;
  std::atomic<int> ok{0}, limited{0}, other{0}, badHeaders{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      std::string error;
      auto conn = HttpConnection::open(stack_.gateway(), error);
      if (!conn) {
        other += kEach;
        return;
      }
      for (int i = 0; i < kEach; ++i) {
        auto r = conn->request("GET", "/api/users/" + std::to_string(c * kEach + i + 1));
        if (!r) {
          ++other;
          return;
        }
        if (r->status == 200) {
          ++ok;
        } else if (r->status == 429) {
          ++limited;
          if (r->header("Retry-After").empty() || r->header("RateLimit").empty() || r->header("RateLimit-Policy").empty()) {
            ++badHeaders;
          }
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 25);
  EXPECT_EQ(limited.load(), kClients * kEach - 25);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(badHeaders.load(), 0);

  const std::string metrics = fetch(stack_.admin(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("gateway_ratelimit_decisions_total{route=\"users\",result=\"deny\"} 55"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("gateway_requests_total{route=\"users\",service=\"users\",code=\"429\"} 55"), std::string::npos);
  // Other routes are not limited.
  EXPECT_EQ(get("/api/orders?userId=1").status, 200);
}

}  // namespace
}  // namespace gateway::testing
