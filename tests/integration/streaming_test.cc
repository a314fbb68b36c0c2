// Bodies that stream through gatewayd: a 1 GB download and a 100 MB upload (Content-Length
// and chunked) pass with gatewayd's peak RSS under 64 MiB; a client that stops reading slows
// only its own upstream read; 20 clients that pipeline requests for 200 KB (or 2 MB) answers
// and never read leave gatewayd under 64 MiB too. The upstream is BulkUpstream (bulk_upstream.h), which
// makes and checks the bytes without holding them. Under sanitizers the transfers still run
// but the memory bounds are not asserted (the shadow memory alone is larger).
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/bulk_upstream.h"
#include "tests/integration/gateway_stack.h"
#include "tests/integration/http_client.h"
#include "tests/integration/proc_stats.h"

namespace gateway::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kMiB = 1024 * 1024;

// A blocking loopback client socket with send and receive timeouts.
class RawSocket {
 public:
  // `receiveBuffer` > 0 shrinks the socket's receive buffer (before connecting), so the kernel
  // absorbs little of what a client that does not read is sent.
  explicit RawSocket(const std::string& address, int receiveBuffer = 0) {
    const auto colon = address.rfind(':');
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1))));
    ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr);
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (receiveBuffer > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
    const timeval tv{20, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  bool sendAll(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  // Reads until the head's end; what follows it stays in `rest`.
  std::string readHead(std::string& rest) {
    std::string in;
    char buf[4096];
    while (in.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return {};
      in.append(buf, static_cast<std::size_t>(n));
    }
    const auto end = in.find("\r\n\r\n") + 4;
    rest = in.substr(end);
    return in.substr(0, end);
  }
  ssize_t recvSome(char* buf, std::size_t size) { return ::recv(fd_, buf, size, 0); }

 private:
  int fd_ = -1;
};

// Checks pattern bytes at absolute offset `at`.
bool patternMatches(std::string_view bytes, std::uint64_t at) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] != patternByte(at + i)) return false;
  }
  return true;
}

class StreamingTest : public ::testing::Test {
 protected:
  void startGateway(const std::vector<std::string>& extra = {}, std::int64_t maxBodyBytes = 200 * kMiB) {
    const json config = {
        {"services", {{{"name", "bulk"}, {"instances", {upstream_.address()}}, {"timeout_ms", 60000}}}},
        {"routes", {{{"name", "all"}, {"match", {{"prefix", "/"}}}, {"service", "bulk"}}}},
        {"observability", {{"access_log", false}}},
        {"server",
         {{"threads", 1},
          {"limits", {{"max_body_bytes", maxBodyBytes}}},
          {"upstream", {{"max_response_body_bytes", std::int64_t{1} << 30}}}}}};
    std::string error;
    ASSERT_TRUE(stack_.startGateway(config, error, extra)) << error;
  }
  pid_t gatewayPid() { return stack_.gatewayProcess().pid(); }
  void expectPeakUnder(std::uint64_t bytes, const char* what) {
    const std::uint64_t peak = processStatusKiB(gatewayPid(), "VmHWM") * 1024;
    std::printf("[ memory ] %s: gatewayd peak RSS %.1f MiB\n", what, static_cast<double>(peak) / kMiB);
    if (kMemoryBoundsChecked) {
      EXPECT_LT(peak, bytes) << what;
    }
  }

  // Downloads /bytes/N (Content-Length framed) and checks every byte; returns the bytes read.
  std::uint64_t download(std::uint64_t size) {
    RawSocket s(stack_.gateway());
    EXPECT_TRUE(s.ok());
    EXPECT_TRUE(s.sendAll("GET /bytes/" + std::to_string(size) + " HTTP/1.1\r\nHost: bulk\r\n\r\n"));
    std::string body;
    const std::string head = s.readHead(body);
    EXPECT_NE(head.find("HTTP/1.1 200"), std::string::npos) << head;
    EXPECT_NE(head.find("Content-Length: " + std::to_string(size)), std::string::npos) << head;
    std::uint64_t got = 0;
    bool ok = patternMatches(body, 0);
    got += body.size();
    std::vector<char> buf(256 * 1024);
    while (got < size && ok) {
      const ssize_t n = s.recvSome(buf.data(), buf.size());
      if (n <= 0) break;
      ok = patternMatches(std::string_view(buf.data(), static_cast<std::size_t>(n)), got);
      got += static_cast<std::uint64_t>(n);
    }
    EXPECT_TRUE(ok) << "the body differs from the upstream's at about byte " << got;
    return got;
  }

  BulkUpstream upstream_;
  GatewayStack stack_;
};

TEST_F(StreamingTest, OneGigabyteDownloadPassesWithBoundedMemory) {
  startGateway();
  // Under the sanitizers, where memory is not measured, 200 MB checks the relay in a fifth of
  // the time; the release suite streams the whole gigabyte and bounds the peak.
  const std::uint64_t size = kMemoryBoundsChecked ? 1'000'000'000 : 200'000'000;
  const auto start = Clock::now();
  EXPECT_EQ(download(size), size);
  std::printf("[ timing ] %.1f GB through gatewayd in %.2f s\n", static_cast<double>(size) / 1e9,
              std::chrono::duration<double>(Clock::now() - start).count());
  expectPeakUnder(64 * kMiB, "1 GB download");
}

TEST_F(StreamingTest, ChunkedUpstreamBodyOfUnknownLengthIsRelayedChunked) {
  startGateway();
  const std::uint64_t size = 5'000'000;
  const HttpReply r = fetch(stack_.gateway(), "GET", "/bytes/" + std::to_string(size) + "?chunked=1", {}, {}, 20000ms);
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 200);
  EXPECT_TRUE(r.chunked);
  ASSERT_EQ(r.body.size(), size);
  EXPECT_TRUE(patternMatches(r.body, 0));
  // A body under the streaming threshold is still held whole and framed by its length.
  const HttpReply small = fetch(stack_.gateway(), "GET", "/bytes/1000?chunked=1");
  EXPECT_EQ(small.status, 200);
  EXPECT_FALSE(small.chunked);
  EXPECT_EQ(small.header("Content-Length"), "1000");
}

TEST_F(StreamingTest, HundredMegabyteUploadsPassWithBoundedMemory) {
  startGateway();
  const std::uint64_t size = 100'000'000;
  std::string chunk(1 << 20, 'a');
  for (const bool chunked : {false, true}) {  // announced by Content-Length, then chunked
    RawSocket s(stack_.gateway());
    ASSERT_TRUE(s.ok());
    std::string head = "POST /count HTTP/1.1\r\nHost: bulk\r\n";
    head += chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "Content-Length: " + std::to_string(size) + "\r\n\r\n";
    ASSERT_TRUE(s.sendAll(head));
    for (std::uint64_t sent = 0; sent < size;) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), size - sent));
      for (std::size_t i = 0; i < n; ++i) chunk[i] = patternByte(sent + i);
      if (chunked) {
        char header[32];
        const int h = std::snprintf(header, sizeof header, "%zx\r\n", n);
        ASSERT_TRUE(s.sendAll(std::string_view(header, static_cast<std::size_t>(h))));
      }
      ASSERT_TRUE(s.sendAll(std::string_view(chunk.data(), n))) << "sent " << sent;
      if (chunked) {
        ASSERT_TRUE(s.sendAll("\r\n"));
      }
      sent += n;
    }
    if (chunked) {
      ASSERT_TRUE(s.sendAll("0\r\n\r\n"));
    }
    std::string rest;
    const std::string answer = s.readHead(rest);
    ASSERT_NE(answer.find("HTTP/1.1 200"), std::string::npos)
        << answer << rest << "\n(" << (chunked ? "chunked" : "Content-Length") << "; the upstream got "
        << upstream_.requests() << " requests and " << upstream_.bytesReceived() << " bytes; gatewayd: "
        << stack_.gatewayProcess().stderrText() << ")";
    std::vector<char> buf(4096);
    while (rest.find('}') == std::string::npos) {
      const ssize_t n = s.recvSome(buf.data(), buf.size());
      ASSERT_GT(n, 0);
      rest.append(buf.data(), static_cast<std::size_t>(n));
    }
    const json body = json::parse(rest, nullptr, false);
    EXPECT_EQ(body.value("bytes", std::uint64_t{0}), size) << rest;
    EXPECT_EQ(body.value("pattern_ok", false), true) << rest;
  }
  expectPeakUnder(64 * kMiB, "100 MB uploads");
}

TEST_F(StreamingTest, AClientThatStopsReadingSlowsOnlyItsOwnUpstream) {
  startGateway();
  RawSocket stalled(stack_.gateway());
  ASSERT_TRUE(stalled.ok());
  ASSERT_TRUE(stalled.sendAll("GET /bytes/1000000000 HTTP/1.1\r\nHost: bulk\r\n\r\n"));
  std::string rest;
  ASSERT_NE(stalled.readHead(rest).find("200"), std::string::npos);
  // It reads nothing more. The upstream soon can write no further: what is in flight is
  // bounded by socket buffers and the gateway's stream, not by the body's size.
  ASSERT_TRUE(upstream_.waitIdle(1, 20s));
  const std::uint64_t sent = upstream_.bytesSent();
  EXPECT_LT(sent, 64 * kMiB) << "the upstream kept sending to a client that does not read";
  // Meanwhile other clients are served at once.
  const auto start = Clock::now();
  const HttpReply other = fetch(stack_.gateway(), "GET", "/bytes/1000");
  EXPECT_EQ(other.status, 200);
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_LT(upstream_.bytesSent(), sent + 64 * kMiB);
}

TEST_F(StreamingTest, AnUploadThatFailsWhileItsAnswerStreamsEndsThatAnswer) {
  // The upstream answers at once (50 MB) while the client's chunked body goes past the
  // gateway's 1 MiB limit: the answer cannot complete, and the client must learn so at once.
  startGateway({}, 1 * kMiB);
  RawSocket s(stack_.gateway());
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s.sendAll("POST /bytes/50000000 HTTP/1.1\r\nHost: bulk\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk(64 * 1024, 'a');
  for (int i = 0; i < 32; ++i) {
    char header[16];
    std::snprintf(header, sizeof header, "%zx\r\n", chunk.size());
    if (!s.sendAll(header) || !s.sendAll(chunk) || !s.sendAll("\r\n")) break;  // the gateway may reset first
  }
  const auto start = Clock::now();
  std::uint64_t got = 0;
  std::vector<char> buf(64 * 1024);
  ssize_t n = 0;
  while ((n = s.recvSome(buf.data(), buf.size())) > 0) got += static_cast<std::uint64_t>(n);
  EXPECT_FALSE(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) << "the answer hung after " << got << " bytes";
  EXPECT_LT(got, 50'000'000u);
  EXPECT_LT(Clock::now() - start, 10s);
  EXPECT_EQ(fetch(stack_.gateway(), "GET", "/bytes/100").status, 200);  // the gateway serves on
}

TEST_F(StreamingTest, AnUploadCompletesWithAPipelineBoundOfOne) {
  startGateway({"--max-pipelined", "1"});
  std::string body(1 << 20, 'a');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = patternByte(i);
  const HttpReply r = fetch(stack_.gateway(), "POST", "/count", {}, body, 20000ms);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).value("bytes", std::uint64_t{0}), body.size());
}

// 200 KB answers (what kernel socket buffers may partly hide), then 2 MB ones (what they
// cannot: a gateway that held answers whole would hold 640 MB).
class PipeliningTest : public StreamingTest, public ::testing::WithParamInterface<int> {};

TEST_P(PipeliningTest, ClientsThatPipelineAndNeverReadLeaveMemoryBounded) {
  startGateway();
  constexpr int kClients = 20, kPipelined = 16;
  const int answerBytes = GetParam();
  std::string requests;
  for (int i = 0; i < kPipelined; ++i) requests += "GET /bytes/" + std::to_string(answerBytes) + " HTTP/1.1\r\nHost: bulk\r\n\r\n";
  std::vector<std::unique_ptr<RawSocket>> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.push_back(std::make_unique<RawSocket>(stack_.gateway(), 4096));
    ASSERT_TRUE(clients.back()->ok());
    ASSERT_TRUE(clients.back()->sendAll(requests));
  }
  // Every request reaches the upstream, which then can write no more than the gateway takes.
  ASSERT_TRUE(upstream_.waitIdle(kClients * kPipelined, 20s)) << upstream_.requests() << " requests";
  // Let the gateway read what the sockets hold, until its memory stops growing.
  std::uint64_t previous = 0;
  for (int i = 0; i < 40; ++i) {
    const std::uint64_t rss = processStatusKiB(gatewayPid(), "VmRSS");
    if (rss == previous) break;
    previous = rss;
    ::poll(nullptr, 0, 100);
  }
  std::printf("[ memory ] the upstream sent %.1f MiB of the %.1f MiB asked for\n",
              static_cast<double>(upstream_.bytesSent()) / kMiB, kClients * kPipelined * double(answerBytes) / kMiB);
  expectPeakUnder(64 * kMiB, "20 pipelining clients that never read");
}

INSTANTIATE_TEST_SUITE_P(AnswerSizes, PipeliningTest, ::testing::Values(200'000, 2'000'000),
                         [](const ::testing::TestParamInfo<int>& info) { return std::to_string(info.param) + "_bytes"; });

}  // namespace
}  // namespace gateway::testing
