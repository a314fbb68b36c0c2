// Request bodies trickled a byte at a time against a real gatewayd: the body timeout runs from
// the end of the header and the trickle does not restart it (each byte only buys 1/min rate
// seconds), so the client gets 408 at about body_timeout_ms, the refusal is logged and counted
// like the others, and the upstream never sees a half request; a body streamed to the upstream
// (over 32 KiB) is cut there instead: its connection closes mid-request. A body that keeps the
// pace passes, even when it takes longer than the body timeout.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/gated_upstream.h"
#include "tests/integration/gateway_stack.h"
#include "tests/integration/raw_client.h"

namespace gateway::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kBodyTimeoutMs = 600;
constexpr std::int64_t kTrickleHeaderTimeoutMs = 3000;  // well apart from the body timeout

// What came of a trickled body.
struct TrickleEnd {
  std::size_t bytesSent = 0;
  long long answeredMs = -1;  // when the answer's first bytes came, from the end of the header
  std::optional<HttpReply> answer;
  bool closed = false;  // the gateway closed the connection after its answer
};

class HostileTrickleTest : public ::testing::Test {
 protected:
  void startGateway(const json& limits) {
    json all = {{"header_timeout_ms", kTrickleHeaderTimeoutMs}, {"body_timeout_ms", kBodyTimeoutMs}};
    all.update(limits);
    const json config = {{"services", {{{"name", "gated"}, {"instances", {upstream_.address()}}}}},
                         {"routes", {{{"name", "all"}, {"match", {{"prefix", "/"}}}, {"service", "gated"}}}},
                         {"server", {{"threads", 1}, {"limits", all}}}};
    std::string error;
    ASSERT_TRUE(stack_.startGateway(config, error)) << error;
  }

  // Sends `head` at once, then `body` in pieces of `piece` bytes every `gap`, until an answer
  // comes or `limit` passes; then reads the answer and whether the connection closes.
  TrickleEnd trickle(const std::string& head, const std::string& body, std::chrono::milliseconds gap,
                     std::size_t piece = 1, std::chrono::milliseconds limit = 2500ms) {
    TrickleEnd end;
    RawClient c(stack_.gateway());
    EXPECT_TRUE(c.ok());
    EXPECT_TRUE(c.sendAll(head));
    const auto start = Clock::now();
    std::string in;
    RawClient::Event e = RawClient::Event::kNothing;
    while (Clock::now() - start < limit) {
      if (end.bytesSent < body.size()) {
        const ssize_t n = c.sendSome(std::string_view(body).substr(end.bytesSent, piece));
        if (n < 0) break;
        end.bytesSent += static_cast<std::size_t>(n);
      }
      e = c.read(in, gap);
      if (e != RawClient::Event::kNothing) break;
    }
    if (e != RawClient::Event::kData) return end;
    end.answeredMs = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    const auto deadline = Clock::now() + 3s;
    while (!(end.answer = takeResponse(in)) && Clock::now() < deadline) {
      if (c.read(in, 100ms) != RawClient::Event::kData && !(end.answer = takeResponse(in))) break;
    }
    if (end.answer && end.answer->header("Connection") == "close") {
      end.closed = c.readToEnd(in, 3s) != RawClient::Event::kNothing;
    }
    return end;
  }

  // The access log's listener refusals (the workers flush every 200 ms: polled, bounded).
  std::vector<json> listenerRefusals(std::size_t expected) {
    std::vector<json> out;
    const auto deadline = Clock::now() + 3s;
    for (int i = 0; i < 300 && out.size() < expected && Clock::now() < deadline; ++i) {
      out.clear();
      std::ifstream in(stack_.accessLogPath());
      for (std::string text; std::getline(in, text);) {
        json line = json::parse(text, nullptr, false);
        if (line.is_object() && line.value("rejected_by", "") == "listener") out.push_back(std::move(line));
      }
      if (out.size() < expected) stack_.gatewayProcess().wait(20ms);  // returns early only if gatewayd exits
    }
    return out;
  }

  json stats() { return json::parse(fetch(stack_.admin(), "GET", "/stats").body, nullptr, false); }

  void expect408AtTheBodyTimeout(const TrickleEnd& end, long long extraMs = 0) {
    ASSERT_TRUE(end.answer) << "no answer after " << end.bytesSent << " bytes";
    EXPECT_EQ(end.answer->status, 408) << end.answer->body;
    EXPECT_TRUE(end.closed);
    // Deadlines are checked every 100 ms against the sweep's last tick.
    EXPECT_GE(end.answeredMs, kBodyTimeoutMs + extraMs - 200);
    EXPECT_LE(end.answeredMs, kBodyTimeoutMs + extraMs + 500);
  }

  GatedUpstream upstream_;
  GatewayStack stack_;  // destroyed first: gatewayd stops before its upstream
};

std::string tricklePostHead(const std::string& target, std::size_t length) {
  return "POST " + target + " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
}

TEST_F(HostileTrickleTest, ABodyTrickledAByteAtATimeIs408AtTheBodyTimeout) {
  startGateway(json::object());  // the default minimum rate, 500 bytes/s
  // 100 bytes at 20 bytes/s would take 5 s; a byte comes every 50 ms, far inside the timeout.
  const TrickleEnd end = trickle(tricklePostHead("/trickle", 100), std::string(100, 'b'), 50ms);
  std::printf("[ trickle ] Content-Length body: %zu bytes sent, answered after %lld ms\n", end.bytesSent, end.answeredMs);
  expect408AtTheBodyTimeout(end, static_cast<long long>(end.bytesSent) * 1000 / 500);
  EXPECT_TRUE(upstream_.received().empty()) << "the upstream got " << upstream_.received().front();
  const json s = stats();
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["requests"]["rejected"]["408"], 1);
  const std::vector<json> logged = listenerRefusals(1);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0]["status"], 408);
  EXPECT_EQ(logged[0]["outcome"], "request_timeout");
}

TEST_F(HostileTrickleTest, AChunkedBodyTrickledAByteAtATimeIs408AtTheBodyTimeout) {
  startGateway({{"min_body_bytes_per_s", 0}});  // the body timeout alone
  std::string body;
  for (int i = 0; i < 50; ++i) body += "1\r\nc\r\n";
  body += "0\r\n\r\n";
  const TrickleEnd end =
      trickle("POST /chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n", body, 20ms);
  std::printf("[ trickle ] chunked body: %zu bytes sent, answered after %lld ms\n", end.bytesSent, end.answeredMs);
  expect408AtTheBodyTimeout(end);
  EXPECT_TRUE(upstream_.received().empty());
  EXPECT_EQ(listenerRefusals(1).size(), 1u);
}

TEST_F(HostileTrickleTest, ABodyThatKeepsThePacePassesEvenPastTheBodyTimeout) {
  // 1000 bytes/s minimum: a body sent at 2000 bytes/s earns more time than it takes.
  startGateway({{"min_body_bytes_per_s", 1000}});
  const TrickleEnd slowSmall = trickle(tricklePostHead("/paced", 40), std::string(40, 'p'), 5ms);
  ASSERT_TRUE(slowSmall.answer);
  EXPECT_EQ(slowSmall.answer->status, 200);
  const TrickleEnd longer = trickle(tricklePostHead("/steady", 2000), std::string(2000, 's'), 10ms, 20);
  std::printf("[ trickle ] 2000 bytes at 2000 bytes/s: answered after %lld ms\n", longer.answeredMs);
  ASSERT_TRUE(longer.answer) << "no answer after " << longer.bytesSent << " bytes";
  EXPECT_EQ(longer.answer->status, 200) << longer.answer->body;
  EXPECT_GT(longer.answeredMs, kBodyTimeoutMs) << "the body came faster than planned: the check means nothing";
  const std::vector<std::string> got = upstream_.received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], "POST /paced 40");
  EXPECT_EQ(got[1], "POST /steady 2000");
}

TEST_F(HostileTrickleTest, AStreamedBodyTrickledIsCutAtTheUpstreamAnd408ToTheClient) {
  // Over 32 KiB: the body streams to the upstream as it comes. 40000 bytes at once earn
  // 400 ms at 100000 bytes/s; then one byte every 20 ms earns next to nothing.
  startGateway({{"min_body_bytes_per_s", 100000}});
  const std::string body(100000, 'u');
  RawClient c(stack_.gateway());
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c.sendAll(tricklePostHead("/streamed", body.size()) + body.substr(0, 40000)));
  const auto start = Clock::now();
  std::string in;
  RawClient::Event e = RawClient::Event::kNothing;
  std::size_t sent = 40000;
  for (int i = 0; i < 150 && e == RawClient::Event::kNothing; ++i) {  // at most 3 s
    if (c.sendSome(std::string_view(body).substr(sent, 1)) == 1) ++sent;
    e = c.read(in, 20ms);
  }
  const long long answeredMs = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  ASSERT_EQ(e, RawClient::Event::kData) << "no answer after " << sent << " bytes";
  c.readToEnd(in, 3s);
  const auto answer = takeResponse(in);
  ASSERT_TRUE(answer) << in;
  std::printf("[ trickle ] streamed body: %zu of %zu bytes sent, answered after %lld ms\n", sent, body.size(), answeredMs);
  EXPECT_EQ(answer->status, 408) << answer->body;
  EXPECT_GE(answeredMs, kBodyTimeoutMs + 400 - 200);
  EXPECT_LE(answeredMs, kBodyTimeoutMs + 400 + 500);
  // The upstream had the head and part of the body: its connection closes mid-request.
  EXPECT_TRUE(upstream_.waitAborted(1, 3s));
  EXPECT_TRUE(upstream_.received().empty()) << "the upstream got a whole request: " << upstream_.received().front();
  EXPECT_EQ(stats()["requests"]["rejected"]["408"], 1);
  // The listener's line says what the client got. (The request was handed on, so its
  // exchange logs a line of its own too: 400 request_body_error, the upstream try cut.)
  const std::vector<json> logged = listenerRefusals(1);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0]["status"], 408);
  EXPECT_EQ(logged[0]["outcome"], "request_timeout");
}

}  // namespace
}  // namespace gateway::testing
