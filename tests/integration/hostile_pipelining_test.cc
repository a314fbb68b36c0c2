// A pipelining flood against a real gatewayd: one connection writes 3000 requests at once and
// reads nothing. The gateway reads ahead exactly max_pipelined requests and then stops reading
// (the client's socket fills: back-pressure reaches the sender); answered but unread, it
// writes what the sockets take and stops again; once the client reads, every answer arrives
// in request order, each the answer to its own request, though the upstream answers the
// first ones newest first. gatewayd's RSS stays within a few MiB of its size before the flood
// (holding the answers would take 24 MiB), and its descriptors come back afterwards.
#include <gtest/gtest.h>

#include "tests/integration/gated_upstream.h"
#include "tests/integration/gateway_stack.h"
#include "tests/integration/proc_stats.h"
#include "tests/integration/raw_client.h"

namespace gateway::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kFloodRequests = 3000;
constexpr std::size_t kFloodAnswerBytes = 8192;

class HostilePipeliningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const json config = {
        {"services", {{{"name", "gated"}, {"instances", {upstream_.address()}}, {"timeout_ms", 30000}}}},
        {"routes", {{{"name", "p"}, {"match", {{"prefix", "/p"}}}, {"service", "gated"}}}},
        {"observability", {{"access_log", false}}},
        {"server", {{"threads", 1}, {"upstream", {{"idle_timeout_ms", 300}}}}}};
    std::string error;
    ASSERT_TRUE(stack_.startGateway(config, error)) << error;
    pid_ = stack_.gatewayProcess().pid();
  }

  std::uint64_t rssKiB() { return processStatusKiB(pid_, "VmRSS"); }
  std::uint16_t gatewayPort() const {
    const std::string& a = stack_.gateway();
    return static_cast<std::uint16_t>(std::stoul(a.substr(a.rfind(':') + 1)));
  }

  // The flood's bytes: request i is for /p/i, padded to about 1 KiB.
  static std::string floodRequests() {
    std::string out;
    const std::string pad(1000, 'p');
    for (int i = 0; i < kFloodRequests; ++i) {
      out += "GET /p/" + std::to_string(i) + " HTTP/1.1\r\nHost: flood\r\nX-Pad: " + pad + "\r\n\r\n";
    }
    return out;
  }

  // Waits (bounded) until no new request reaches the upstream for `quiet`.
  std::uint64_t upstreamSettled(std::chrono::milliseconds quiet) {
    const auto deadline = Clock::now() + 10s;
    for (int i = 0; i < kFloodRequests && Clock::now() < deadline; ++i) {
      if (!upstream_.waitRequests(upstream_.requests() + 1, quiet)) break;
    }
    return upstream_.requests();
  }

  GatedUpstream upstream_{kFloodAnswerBytes};
  GatewayStack stack_;  // destroyed first: gatewayd stops before its upstream
  pid_t pid_ = -1;
};

TEST_F(HostilePipeliningTest, AFloodIsReadAheadOnlyToTheBoundAndAnsweredInOrder) {
  // Warm up the proxy path, so the sizes measured next are the working ones.
  for (int i = 0; i < 40; ++i) ASSERT_EQ(fetch(stack_.gateway(), "GET", "/p/warm").status, 200);
  const std::size_t baselineFds = processOpenFds(pid_);
  const std::uint64_t baselineRss = rssKiB();
  const json stats = json::parse(fetch(stack_.admin(), "GET", "/stats").body);
  const auto maxPipelined = stats["server"]["limits"]["max_pipelined"].get<std::uint64_t>();
  const std::uint64_t before = upstream_.requests();
  upstream_.close();

  const std::string requests = floodRequests();
  RawClient client(stack_.gateway(), 4096);
  ASSERT_TRUE(client.ok());
  // 1. Nothing is answered yet. Write until the socket has taken nothing for 300 ms.
  std::size_t sent = 0;
  const auto writeDeadline = Clock::now() + 10s;
  while (sent < requests.size() && Clock::now() < writeDeadline) {
    const ssize_t n = client.sendSome(std::string_view(requests).substr(sent));
    ASSERT_GE(n, 0) << "the gateway closed the flooding connection";
    sent += static_cast<std::size_t>(n);
    if (n == 0 && !client.waitWritable(300ms)) break;
  }
  ASSERT_TRUE(upstream_.waitRequests(before + maxPipelined, 5s));
  const std::uint64_t readAhead = upstreamSettled(300ms) - before;
  const std::uint64_t rssHeld = rssKiB();
  // What gatewayd took off its socket: what the client wrote, less what waits in the kernel
  // (unsent at the client, unread at the gateway).
  const auto clientEnd = tcpQueues(client.localPort(), gatewayPort());
  const auto gatewayEnd = tcpQueues(gatewayPort(), client.localPort());
  ASSERT_TRUE(clientEnd && gatewayEnd) << "the connection is not in /proc/net/tcp";
  const std::uint64_t taken = sent - clientEnd->send - gatewayEnd->receive;
  std::printf("[ flood ] the client wrote %zu of %zu bytes, gatewayd read %llu of them; the upstream got %llu requests "
              "(max_pipelined %llu)\n",
              sent, requests.size(), static_cast<unsigned long long>(taken), static_cast<unsigned long long>(readAhead),
              static_cast<unsigned long long>(maxPipelined));
  EXPECT_EQ(readAhead, maxPipelined) << "read ahead beyond the pipelining bound";
  // The requests it parsed and at most a full read buffer (the URL and header limits, 2 KiB
  // and a 16 KiB read, with one more read on top): it stopped reading.
  EXPECT_LT(taken, maxPipelined * 1100 + 80 * 1024) << "the gateway kept reading: no back-pressure";
  EXPECT_GT(sent, taken + 1024 * 1024) << "too little was written to tell";

  // 2. Answered, still unread: the gateway writes what the sockets take and stops again.
  upstream_.open();
  const std::uint64_t answeredUnread = upstreamSettled(300ms) - before;
  const std::uint64_t rssUnread = rssKiB();
  std::printf("[ flood ] answered while unread: %llu; RSS before %llu KiB, holding %llu KiB, unread answers %llu KiB\n",
              static_cast<unsigned long long>(answeredUnread), static_cast<unsigned long long>(baselineRss),
              static_cast<unsigned long long>(rssHeld), static_cast<unsigned long long>(rssUnread));
  EXPECT_LT(answeredUnread, static_cast<std::uint64_t>(kFloodRequests) / 2) << "answers went on without a reader";

  // 3. The client reads: every answer, in request order, each its own request's.
  std::string in;
  int next = 0;
  std::uint64_t rssPeak = std::max(rssHeld, rssUnread);
  const auto readDeadline = Clock::now() + 30s;
  while (next < kFloodRequests && Clock::now() < readDeadline) {
    if (sent < requests.size()) {
      const ssize_t n = client.sendSome(std::string_view(requests).substr(sent));
      ASSERT_GE(n, 0);
      sent += static_cast<std::size_t>(n);
    }
    const RawClient::Event e = client.read(in, 50ms);
    ASSERT_TRUE(e == RawClient::Event::kData || e == RawClient::Event::kNothing) << "closed after " << next << " answers";
    while (auto r = takeResponse(in)) {
      ASSERT_EQ(r->status, 200) << "answer " << next << ": " << r->body.substr(0, 200);
      const std::string expected = "GET /p/" + std::to_string(next) + " 0";
      ASSERT_EQ(r->body.substr(0, r->body.find('.')), expected) << "answer " << next << " is another request's";
      if (++next % 500 == 0) rssPeak = std::max(rssPeak, rssKiB());
    }
  }
  EXPECT_EQ(next, kFloodRequests);
  EXPECT_EQ(upstream_.requests() - before, static_cast<std::uint64_t>(kFloodRequests));
  std::printf("[ flood ] %d answers in order; gatewayd RSS %llu KiB before, peak sample %llu KiB\n", next,
              static_cast<unsigned long long>(baselineRss), static_cast<unsigned long long>(rssPeak));
  if (kMemoryBoundsChecked) {
    EXPECT_LT(rssPeak, baselineRss + 8 * 1024) << "gatewayd's memory grew with the flood";
  }

  // The same connection is still good for one more, and closing it leaves nothing behind.
  ASSERT_TRUE(client.sendAll("GET /p/last HTTP/1.1\r\nHost: flood\r\nConnection: close\r\n\r\n"));
  ASSERT_EQ(client.readToEnd(in, 5s), RawClient::Event::kEof);
  const auto last = takeResponse(in);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->body.substr(0, last->body.find('.')), "GET /p/last 0");
  // Its upstream connections idle out after 300 ms.
  std::size_t fds = processOpenFds(pid_);
  const auto fdDeadline = Clock::now() + 5s;
  for (int i = 0; i < 500 && fds > baselineFds && Clock::now() < fdDeadline; ++i) {
    stack_.gatewayProcess().wait(10ms);  // returns early only if gatewayd exits
    fds = processOpenFds(pid_);
  }
  EXPECT_LE(fds, baselineFds);
}

}  // namespace
}  // namespace gateway::testing
