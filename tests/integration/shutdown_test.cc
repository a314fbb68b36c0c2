// Graceful shutdown: on SIGTERM gatewayd stops accepting, answers every request already in
// flight, closes idle keep-alive connections, and exits 0; past the drain timeout it closes
// what is left and still exits 0.
#include <csignal>
#include <vector>

#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

class ShutdownTest : public StackTest {
 protected:
  // Polls /stats until `n` requests are in flight (or the deadline passes).
  bool waitInFlight(std::int64_t n) {
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (Clock::now() < deadline) {
      const json s = json::parse(fetch(stack_.admin(), "GET", "/stats").body, nullptr, false);
      if (s.is_object() && s["requests"]["in_flight"].get<std::int64_t>() == n) return true;
    }
    return false;
  }
};

TEST_F(ShutdownTest, SigtermDrainsInFlightRequestsAndExitsZero) {
  startGateway(standardGateway(), {"--threads", "2", "--drain-timeout-ms", "5000"});
  constexpr int kClients = 20;
  std::vector<std::unique_ptr<HttpConnection>> clients;
  for (int i = 0; i < kClients; ++i) {
    std::string error;
    clients.push_back(HttpConnection::open(stack_.gateway(), error));
    ASSERT_TRUE(clients.back()) << error;
    ASSERT_TRUE(clients.back()->send(
        buildRequest("GET", "/echo/drain" + std::to_string(i), stack_.gateway(), {{"x-fault-delay-ms", "600"}})));
  }
  std::string error;
  auto idle = HttpConnection::open(stack_.gateway(), error);  // keep-alive, nothing asked
  ASSERT_TRUE(idle) << error;
  ASSERT_TRUE(waitInFlight(kClients));

  stack_.gatewayProcess().signal(SIGTERM);
  EXPECT_TRUE(idle->waitClosed(2000ms)) << "an idle connection stays open during the drain";
  int answered = 0;
  for (int i = 0; i < kClients; ++i) {
    auto r = clients[i]->read(5000ms);
    ASSERT_TRUE(r) << "request " << i << " was lost";
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("Connection"), "close");
    answered += r->status == 200;
  }
  EXPECT_EQ(answered, kClients);
  EXPECT_FALSE(HttpConnection::open(stack_.gateway(), error)) << "still accepting after SIGTERM";
  EXPECT_EQ(stack_.gatewayProcess().wait(5000ms), std::optional<int>(0)) << stack_.gatewayProcess().stderrText();
}

TEST_F(ShutdownTest, DrainTimeoutClosesStragglersAndStillExitsZero) {
  startGateway(standardGateway(), {"--drain-timeout-ms", "300"});
  std::string error;
  auto c = HttpConnection::open(stack_.gateway(), error);
  ASSERT_TRUE(c) << error;
  ASSERT_TRUE(c->send(buildRequest("GET", "/echo/long", stack_.gateway(), {{"x-fault-delay-ms", "10000"}})));
  ASSERT_TRUE(waitInFlight(1));
  const auto start = Clock::now();
  stack_.gatewayProcess().signal(SIGTERM);
  EXPECT_EQ(stack_.gatewayProcess().wait(5000ms), std::optional<int>(0)) << stack_.gatewayProcess().stderrText();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
  EXPECT_TRUE(c->waitClosed(1000ms));
}

TEST_F(ShutdownTest, SigintStopsAnIdleGateway) {
  startGateway();
  ASSERT_EQ(get("/api/users/1").status, 200);
  stack_.gatewayProcess().signal(SIGINT);
  EXPECT_EQ(stack_.gatewayProcess().wait(5000ms), std::optional<int>(0)) << stack_.gatewayProcess().stderrText();
}

}  // namespace
}  // namespace gateway::testing
