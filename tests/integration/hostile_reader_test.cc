// Clients that never read their answers, against a real gatewayd in front of BulkUpstream
// (bulk_upstream.h, large bodies made on the fly): the gateway stops reading the upstream once
// its small per-connection buffers are full, resets the connection when the client has taken
// nothing for the write timeout (a client that keeps sending bytes does not extend it), serves
// everyone else meanwhile, and comes back to its descriptors from before and to its RSS from
// before (after many clients, to no more than the first round's peak: the allocator may keep
// what it freed, but a second round must not add to it).
#include <gtest/gtest.h>

#include "tests/integration/bulk_upstream.h"
#include "tests/integration/gateway_stack.h"
#include "tests/integration/proc_stats.h"
#include "tests/integration/raw_client.h"

namespace gateway::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kWriteTimeoutMs = 500;
constexpr std::uint64_t kReaderMiB = 1024 * 1024;

long long msSinceReader(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

class HostileReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const json config = {
        {"services", {{{"name", "bulk"}, {"instances", {upstream_.address()}}, {"timeout_ms", 60000}}}},
        {"routes", {{{"name", "all"}, {"match", {{"prefix", "/"}}}, {"service", "bulk"}}}},
        {"observability", {{"access_log", false}}},
        {"server",
         {{"threads", 1},
          {"limits", {{"write_timeout_ms", kWriteTimeoutMs}}},
          {"upstream", {{"idle_timeout_ms", 300}, {"max_response_body_bytes", std::int64_t{1} << 30}}}}}};
    std::string error;
    ASSERT_TRUE(stack_.startGateway(config, error)) << error;
    pid_ = stack_.gatewayProcess().pid();
    // Warm up the streaming path; the idle upstream connection it leaves times out.
    ASSERT_EQ(fetch(stack_.gateway(), "GET", "/bytes/1000").status, 200);
    ASSERT_EQ(fetch(stack_.gateway(), "GET", "/bytes/4000000", {}, {}, 10000ms).status, 200);
    baselineFds_ = processOpenFds(pid_);
    baselineRss_ = processStatusKiB(pid_, "VmRSS");
  }

  json stats() { return json::parse(fetch(stack_.admin(), "GET", "/stats").body, nullptr, false); }

  // A client with a small receive buffer that asks for `count` answers of `bytes` each.
  std::unique_ptr<RawClient> hostileReader(std::uint64_t bytes, int count) {
    auto c = std::make_unique<RawClient>(stack_.gateway(), 4096);
    EXPECT_TRUE(c->ok());
    std::string requests;
    for (int i = 0; i < count; ++i) requests += "GET /bytes/" + std::to_string(bytes) + " HTTP/1.1\r\nHost: bulk\r\n\r\n";
    EXPECT_TRUE(c->sendAll(requests));
    return c;
  }

  // Another client meanwhile: answered at once.
  void expectOthersServed() {
    const auto start = Clock::now();
    const HttpReply r = fetch(stack_.gateway(), "GET", "/bytes/1000");
    EXPECT_EQ(r.status, 200);
    EXPECT_LT(msSinceReader(start), 1000);
  }

  // After the hostile clients are gone: nothing is left open (polled, bounded), and RSS is
  // back within 10% or 2 MiB of `rssBefore`.
  void expectBackToBaseline(std::uint64_t rssBefore) {
    std::size_t fds = processOpenFds(pid_);
    json s = stats();
    const auto settled = [&] {
      return fds <= baselineFds_ && s.is_object() && s["connections"]["active"] == 0 &&
             s["upstream_connections"]["open"] == 0;
    };
    const auto deadline = Clock::now() + 5s;
    for (int i = 0; i < 1000 && !settled() && Clock::now() < deadline; ++i) {
      stack_.gatewayProcess().wait(5ms);  // returns early only if gatewayd exits
      fds = processOpenFds(pid_);
      s = stats();
    }
    ASSERT_TRUE(s.is_object());
    EXPECT_EQ(s["connections"]["active"], 0);
    EXPECT_EQ(s["upstream_connections"]["open"], 0) << s["upstream_connections"].dump();
    const std::uint64_t rss = processStatusKiB(pid_, "VmRSS");
    std::printf("[ reader ] fds %zu -> %zu; RSS %llu KiB -> %llu KiB\n", baselineFds_, fds,
                static_cast<unsigned long long>(rssBefore), static_cast<unsigned long long>(rss));
    EXPECT_LE(fds, baselineFds_) << "descriptors left behind";
    if (kMemoryBoundsChecked) {
      EXPECT_LE(rss, rssBefore + std::max<std::uint64_t>(rssBefore / 10, 2048)) << "RSS did not come back";
    }
  }

  BulkUpstream upstream_;
  GatewayStack stack_;  // destroyed first: gatewayd stops before its upstream
  pid_t pid_ = -1;
  std::size_t baselineFds_ = 0;
  std::uint64_t baselineRss_ = 0;
};

TEST_F(HostileReaderTest, AClientThatNeverReadsIsResetAtTheWriteTimeout) {
  const std::uint64_t requestsBefore = upstream_.requests();
  const std::uint64_t sentBefore = upstream_.bytesSent();
  const auto asked = Clock::now();
  auto reader = hostileReader(100'000'000, 1);
  // The upstream soon can write no more: the gateway stopped reading it.
  ASSERT_TRUE(upstream_.waitIdle(requestsBefore + 1, 10s));
  const auto stalled = Clock::now();
  const std::uint64_t sent = upstream_.bytesSent() - sentBefore;
  expectOthersServed();
  const RawClient::Event end = reader->waitHangup(std::chrono::milliseconds(kWriteTimeoutMs + 3000));
  const long long afterStall = msSinceReader(stalled), afterAsk = msSinceReader(asked);
  std::printf("[ reader ] the upstream sent %.1f MiB of 100 MB; reset %lld ms after it stalled, %lld ms after the request\n",
              static_cast<double>(sent) / kReaderMiB, afterStall, afterAsk);
  EXPECT_LT(sent, 32 * kReaderMiB) << "the gateway kept reading for a client that does not";
  EXPECT_EQ(end, RawClient::Event::kReset) << "not reset (a FIN behind unread data keeps kernel buffers for minutes)";
  EXPECT_GE(afterAsk, kWriteTimeoutMs - 200) << "reset before the write timeout";
  EXPECT_LE(afterStall, kWriteTimeoutMs + 1000) << "reset long after the write timeout";
  reader.reset();
  expectBackToBaseline(baselineRss_);
}

TEST_F(HostileReaderTest, BytesFromAClientThatNeverReadsDoNotExtendTheWriteTimeout) {
  const std::uint64_t requestsBefore = upstream_.requests();
  auto reader = hostileReader(100'000'000, 1);
  ASSERT_TRUE(upstream_.waitIdle(requestsBefore + 1, 10s));
  const auto stalled = Clock::now();
  // It sends a next request a byte at a time, every 100 ms, and still reads nothing.
  const std::string next = "GET /bytes/10 HTTP/1.1\r\nHost: bulk\r\nX-Keep-Busy: 1234567890\r\n\r\n";
  RawClient::Event end = RawClient::Event::kNothing;
  for (std::size_t i = 0; i < next.size() && end == RawClient::Event::kNothing; ++i) {
    if (reader->sendSome(std::string_view(next).substr(i, 1)) < 0) {
      end = RawClient::Event::kReset;  // a FIN alone does not fail a send: only a reset does
      break;
    }
    end = reader->waitHangup(100ms);
  }
  if (end == RawClient::Event::kNothing) end = reader->waitHangup(1000ms);
  const long long afterStall = msSinceReader(stalled);
  std::printf("[ reader ] reset %lld ms after the stall, the client sending a byte every 100 ms\n", afterStall);
  EXPECT_EQ(end, RawClient::Event::kReset);
  EXPECT_LE(afterStall, kWriteTimeoutMs + 1000) << "the client's bytes kept the connection";
  reader.reset();
  expectBackToBaseline(baselineRss_);
}

TEST_F(HostileReaderTest, ManyClientsThatNeverReadLeaveMemoryBoundedAndNothingBehind) {
  constexpr int kClients = 12, kPipelined = 4;
  // Twice: the allocator may keep what the first round freed, but a second round must not
  // add to it.
  std::uint64_t highWater = 0;
  for (int round = 1; round <= 2; ++round) {
    const std::uint64_t requestsBefore = upstream_.requests();
    std::vector<std::unique_ptr<RawClient>> readers;
    for (int i = 0; i < kClients; ++i) readers.push_back(hostileReader(20'000'000, kPipelined));
    // Every request reaches the upstream (max_pipelined is 16), which then can write no more.
    ASSERT_TRUE(upstream_.waitIdle(requestsBefore + kClients * kPipelined, 10s)) << upstream_.requests();
    const std::uint64_t rssHeld = processStatusKiB(pid_, "VmRSS");
    expectOthersServed();
    const auto deadline = Clock::now() + std::chrono::milliseconds(kWriteTimeoutMs + 3000);
    int reset = 0;
    for (auto& r : readers) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (r->waitHangup(std::max(left, 0ms)) == RawClient::Event::kReset) ++reset;
    }
    const double perClientKiB = (static_cast<double>(rssHeld) - static_cast<double>(baselineRss_)) / kClients;
    std::printf("[ reader ] round %d: %d clients x %d answers of 20 MB, unread: RSS %llu -> %llu KiB "
                "(%.0f KiB per client); %d reset\n",
                round, kClients, kPipelined, static_cast<unsigned long long>(baselineRss_),
                static_cast<unsigned long long>(rssHeld), perClientKiB, reset);
    EXPECT_EQ(reset, kClients);
    if (kMemoryBoundsChecked) {
      EXPECT_LT(rssHeld, baselineRss_ + 32 * 1024) << "memory grew with what the clients did not read";
    }
    readers.clear();
    if (round == 1) {
      expectBackToBaseline(processStatusKiB(pid_, "VmRSS"));  // descriptors and connections only
      highWater = processStatusKiB(pid_, "VmHWM");
    } else {
      expectBackToBaseline(highWater);
    }
  }
}

}  // namespace
}  // namespace gateway::testing
