// Many idle connections against a real gatewayd: a few hundred connections that send nothing
// or stop in the middle of a request header. The gateway keeps serving other clients at once;
// the half-sent ones get 408 and the silent ones a close without a byte, both at the header
// timeout (timed from the accept); its descriptors come back to the count before. With a
// connection cap, the idle crowd fills it: newcomers are closed at once and counted, the
// connected are unharmed, and the cap frees itself when the crowd times out.
#include <sys/resource.h>

#include <fstream>

#include "tests/integration/proc_stats.h"
#include "tests/integration/raw_client.h"
#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto kIdleHeaderTimeout = std::chrono::milliseconds(1500);

// Idle connections to open: a few hundred, well under the descriptor limit (this process
// holds one per connection and gatewayd, which inherits the limit, another).
std::size_t idleCrowdSize() {
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  const auto soft = static_cast<std::size_t>(rl.rlim_cur);
  return std::min<std::size_t>(300, soft > 200 ? (soft - 100) / 4 : 16);
}

long long idleMsSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

class HostileIdleTest : public StackTest {
 protected:
  void startWithLimits(const json& limits) {
    json config = standardGateway();
    config["server"] = {{"limits", limits}};
    startGateway(config);
    if (HasFatalFailure()) return;
    pid_ = stack_.gatewayProcess().pid();
    // One request first: the upstream pool's connection is part of the baseline.
    ASSERT_EQ(get("/echo/warm-up").status, 200);
    baselineFds_ = processOpenFds(pid_);
  }

  json stats() { return json::parse(fetch(stack_.admin(), "GET", "/stats").body, nullptr, false); }

  // Polls /stats (bounded) until the open client connections are `n`.
  bool waitActive(std::uint64_t n, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (int i = 0; i < 10000 && Clock::now() < deadline; ++i) {
      const json s = stats();
      if (s.is_object() && s["connections"]["active"] == n) return true;
      stack_.gatewayProcess().wait(5ms);  // returns early only if gatewayd exits
    }
    return false;
  }

  // Polls (bounded) until gatewayd's descriptors are within `margin` of the baseline.
  std::size_t settledFds(std::size_t margin) {
    std::size_t fds = processOpenFds(pid_);
    const auto deadline = Clock::now() + 5s;
    for (int i = 0; i < 1000 && fds > baselineFds_ + margin && Clock::now() < deadline; ++i) {
      stack_.gatewayProcess().wait(5ms);  // returns early only if gatewayd exits
      fds = processOpenFds(pid_);
    }
    return fds;
  }

  // Access-log lines of listener refusals with `status` (the workers flush every 200 ms).
  std::size_t loggedRefusals(int status, std::size_t expected) {
    std::size_t n = 0;
    const auto deadline = Clock::now() + 3s;
    for (int i = 0; i < 300 && Clock::now() < deadline; ++i) {
      n = 0;
      std::ifstream in(stack_.accessLogPath());
      for (std::string text; std::getline(in, text);) {
        const json line = json::parse(text, nullptr, false);
        if (line.is_object() && line.value("rejected_by", "") == "listener" && line.value("status", 0) == status) ++n;
      }
      if (n >= expected) break;
      stack_.gatewayProcess().wait(10ms);  // returns early only if gatewayd exits
    }
    return n;
  }

  pid_t pid_ = -1;
  std::size_t baselineFds_ = 0;
};

TEST_F(HostileIdleTest, IdleAndHalfSentConnectionsTimeOutWhileOthersAreServed) {
  startWithLimits({{"header_timeout_ms", kIdleHeaderTimeout.count()}, {"idle_timeout_ms", 10000}});
  if (HasFatalFailure()) return;
  const std::size_t crowd = idleCrowdSize();
  const std::size_t halfSent = crowd / 2;
  const auto opened = Clock::now();
  std::vector<std::unique_ptr<RawClient>> clients;
  for (std::size_t i = 0; i < crowd; ++i) {
    clients.push_back(std::make_unique<RawClient>(stack_.gateway()));
    ASSERT_TRUE(clients.back()->ok()) << "connection " << i;
    if (i < halfSent) {
      ASSERT_TRUE(clients.back()->sendAll("GET /echo/slow HTTP/1.1\r\nHost: x\r\nX-Half: "));
    }
  }
  ASSERT_TRUE(waitActive(crowd, 1000ms)) << "gatewayd did not take all " << crowd << " connections";
  EXPECT_GE(processOpenFds(pid_) + 2, baselineFds_ + crowd);  // the warm-up's may have closed since

  // Meanwhile everyone else is served at once.
  long long slowestMs = 0;
  for (int i = 0; i < 20; ++i) {
    const auto start = Clock::now();
    const HttpReply r = get("/echo/busy-" + std::to_string(i));
    EXPECT_EQ(r.status, 200) << r.body;
    slowestMs = std::max(slowestMs, idleMsSince(start));
  }
  EXPECT_LT(slowestMs, 500) << "a request waited behind the idle crowd";
  const long long servedAt = idleMsSince(opened);
  EXPECT_LT(servedAt, kIdleHeaderTimeout.count()) << "too slow to serve before the timeout: the check means nothing";

  // At the header timeout (from the accept) the half-sent get 408, the silent a bare close.
  int answered408 = 0, silentlyClosed = 0, other = 0;
  long long firstCloseMs = -1;
  for (std::size_t i = 0; i < crowd; ++i) {
    std::string in;
    const RawClient::Event end = clients[i]->readToEnd(in, 4000ms);
    if (firstCloseMs < 0) firstCloseMs = idleMsSince(opened);
    if (i < halfSent && end == RawClient::Event::kEof && in.rfind("HTTP/1.1 408 ", 0) == 0) {
      ++answered408;
    } else if (i >= halfSent && end == RawClient::Event::kEof && in.empty()) {
      ++silentlyClosed;
    } else {
      ++other;
    }
  }
  const long long allClosedMs = idleMsSince(opened);
  std::printf("[ idle ] %zu connections (%zu half-sent), slowest other request %lld ms, first close at %lld ms, "
              "all closed by %lld ms, header timeout %lld ms\n",
              crowd, halfSent, slowestMs, firstCloseMs, allClosedMs, static_cast<long long>(kIdleHeaderTimeout.count()));
  EXPECT_EQ(answered408, static_cast<int>(halfSent));
  EXPECT_EQ(silentlyClosed, static_cast<int>(crowd - halfSent));
  EXPECT_EQ(other, 0);
  // The sweep runs every 100 ms; deadlines use its last tick.
  EXPECT_GE(firstCloseMs, kIdleHeaderTimeout.count() - 200) << "closed before the header timeout";
  EXPECT_LE(allClosedMs, kIdleHeaderTimeout.count() + 1000) << "closed well after the header timeout";

  const json s = stats();
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["requests"]["rejected"]["408"], halfSent);
  EXPECT_TRUE(waitActive(0, 2000ms));
  EXPECT_EQ(loggedRefusals(408, halfSent), halfSent);
  clients.clear();
  EXPECT_LE(settledFds(2), baselineFds_ + 2) << "descriptors left behind";
  EXPECT_EQ(get("/echo/after").status, 200);
}

TEST_F(HostileIdleTest, AnIdleCrowdAtTheCapRefusesNewcomersAndFreesItself) {
  constexpr std::size_t kCap = 40;
  startWithLimits({{"max_connections", kCap}, {"header_timeout_ms", 1000}, {"idle_timeout_ms", 10000}});
  if (HasFatalFailure()) return;
  ASSERT_TRUE(waitActive(0, 2000ms));  // the warm-up connection has gone
  std::string error;
  auto served = HttpConnection::open(stack_.gateway(), error);  // one real client among the crowd
  ASSERT_TRUE(served) << error;
  const auto first = served->request("GET", "/echo/first");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  std::vector<std::unique_ptr<RawClient>> crowd;
  for (std::size_t i = 1; i < kCap; ++i) {
    crowd.push_back(std::make_unique<RawClient>(stack_.gateway()));
    ASSERT_TRUE(crowd.back()->ok());
  }
  ASSERT_TRUE(waitActive(kCap, 1000ms));

  // A newcomer is accepted and closed at once, without an answer.
  RawClient newcomer(stack_.gateway());
  ASSERT_TRUE(newcomer.ok());
  newcomer.sendAll("GET /echo/newcomer HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string in;
  const auto start = Clock::now();
  const RawClient::Event end = newcomer.readToEnd(in, 2000ms);
  EXPECT_TRUE(end == RawClient::Event::kEof || end == RawClient::Event::kReset);
  EXPECT_TRUE(in.empty()) << in;
  EXPECT_LT(idleMsSince(start), 500);

  // The connected client is unharmed.
  const auto r = served->request("GET", "/echo/still-served");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  json s = stats();
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["connections"]["rejected"], 1);
  const HttpReply metrics = fetch(stack_.admin(), "GET", "/metrics");
  EXPECT_NE(metrics.body.find("\ngateway_connections_rejected_total 1\n"), std::string::npos);

  // The silent crowd times out at the header timeout; then newcomers are served again,
  // with no one stepping in. The served client is keep-alive idle: it stays.
  ASSERT_TRUE(waitActive(1, 3000ms)) << "the idle crowd still holds the cap";
  EXPECT_EQ(get("/echo/after-the-crowd").status, 200);
  EXPECT_EQ(stats()["connections"]["rejected"], 1);
  const auto again = served->request("GET", "/echo/again");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

}  // namespace
}  // namespace gateway::testing
