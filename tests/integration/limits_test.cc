// Size limits (413, 414, 431), the header timeout (408), and request smuggling attempts:
// every ambiguous framing is refused with 400 and the connection closed, and nothing of it
// reaches an upstream.
#include <fstream>

#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;

class LimitsTest : public StackTest {
 protected:
  // Sends raw bytes on a fresh connection; returns the answer and whether the gateway then
  // closed the connection.
  std::pair<std::optional<HttpReply>, bool> raw(const std::string& bytes) {
    std::string error;
    auto c = HttpConnection::open(stack_.gateway(), error);
    EXPECT_TRUE(c) << error;
    if (!c) return {std::nullopt, false};
    c->send(bytes);
    auto r = c->read();
    const bool closed = c->waitClosed(3000ms);
    return {r, closed};
  }

  void expectRefused(const std::string& bytes, int status, const std::string& why) {
    auto [r, closed] = raw(bytes);
    ASSERT_TRUE(r) << why << ": no answer";
    EXPECT_EQ(r->status, status) << why << ": " << r->body;
    EXPECT_EQ(r->header("Connection"), "close") << why;
    EXPECT_TRUE(closed) << why << ": the connection stayed open";
  }
};

TEST_F(LimitsTest, BodyOverTheLimitIs413) {
  startGateway(standardGateway(), {"--max-body-bytes", "1024"});
  // Announced too large: refused before the body is read.
  expectRefused("POST /echo/x HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n" + std::string(4096, 'a'), 413,
                "content-length");
  // Chunked, growing past the limit.
  std::string chunked = "POST /echo/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5; ++i) chunked += "200\r\n" + std::string(512, 'b') + "\r\n";
  expectRefused(chunked + "0\r\n\r\n", 413, "chunked");
  // At the limit is fine.
  const HttpReply ok = fetch(stack_.gateway(), "POST", "/echo/x", {}, std::string(1024, 'c'));
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_F(LimitsTest, LongUrlIs414) {
  startGateway();
  expectRefused("GET /echo/" + std::string(9000, 'u') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, "9 KB target");
  expectRefused("GET /echo/" + std::string(100000, 'u') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, "100 KB target");
  EXPECT_EQ(get("/echo/" + std::string(8000, 'u')).status, 200);
}

TEST_F(LimitsTest, RefusalsAreInTheAccessLog) {
  // Requests refused before routing get an access-log line too (as NGINX logs its 400s/414s).
  startGateway();
  expectRefused("GET /echo/" + std::string(9000, 'u') + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, "long target");
  expectRefused("POST /echo/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400,
                "conflicting lengths");
  // Workers flush their log buffers every 200 ms: poll the file with a deadline.
  std::vector<json> refused;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (refused.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    refused.clear();
    std::ifstream in(stack_.accessLogPath());
    std::string text;
    while (std::getline(in, text)) {
      const json line = json::parse(text, nullptr, false);
      ASSERT_TRUE(line.is_object()) << "not JSON: " << text;
      if (line.value("rejected_by", "") == "listener") refused.push_back(line);
    }
  }
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_EQ(refused[0]["status"], 414);
  EXPECT_EQ(refused[0]["outcome"], "uri_too_long");
  EXPECT_EQ(refused[1]["status"], 400);
  EXPECT_TRUE(refused[1]["outcome"].is_string());
  for (const auto& line : refused) {
    EXPECT_EQ(line["client"].get<std::string>().rfind("127.0.0.1:", 0), 0u) << line.dump();
    EXPECT_TRUE(line["time"].is_string());
  }
}

TEST_F(LimitsTest, LargeHeadersAre431) {
  startGateway();
  expectRefused("GET /echo/x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(40000, 'h') + "\r\n\r\n", 431, "one big field");
  std::string many = "GET /echo/x HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 150; ++i) many += "X-F" + std::to_string(i) + ": v\r\n";
  expectRefused(many + "\r\n", 431, "150 fields");
}

TEST_F(LimitsTest, SlowHeaderIs408) {
  startGateway(standardGateway(), {"--header-timeout-ms", "300"});
  std::string error;
  auto c = HttpConnection::open(stack_.gateway(), error);
  ASSERT_TRUE(c) << error;
  ASSERT_TRUE(c->send("GET /echo/slowloris HTTP/1.1\r\nHost: x\r\nX-A: "));
  auto r = c->read(3000ms);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(c->waitClosed(3000ms));
}

class SmugglingTest : public LimitsTest {
 protected:
  void SetUp() override {
    LimitsTest::SetUp();
    if (!HasFatalFailure()) startGateway();
  }
  // Each attempt hides a second request ("/echo/smuggled") in the body of the first.
  void expectBlocked(const std::string& bytes, const std::string& why) {
    const std::uint64_t before = mockRequests("echo-1");
    expectRefused(bytes, 400, why);
    EXPECT_EQ(mockRequests("echo-1"), before) << why << ": something reached the upstream";
  }
  const std::string smuggled_ = "GET /echo/smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
};

TEST_F(SmugglingTest, ContentLengthWithTransferEncoding) {
  expectBlocked("POST /echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                "0\r\n\r\n" + smuggled_, "CL.TE");
  expectBlocked("POST /echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n"
                "0\r\n\r\n" + smuggled_, "TE.CL");
}

TEST_F(SmugglingTest, ConflictingContentLengths) {
  expectBlocked("POST /echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 41\r\n\r\n" + smuggled_,
                "two lengths");
  expectBlocked("POST /echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: 0, 41\r\n\r\n" + smuggled_, "length list");
  expectBlocked("POST /echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: +41\r\n\r\n" + smuggled_, "signed length");
  expectBlocked("POST /echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n" + smuggled_, "negative length");
}

TEST_F(SmugglingTest, TransferEncodingOtherThanChunked) {
  expectBlocked("POST /echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n" + smuggled_, "gzip");
  expectBlocked("POST /echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n" + smuggled_,
                "chunked not last");
  expectBlocked("POST /echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" + smuggled_,
                "xchunked");
  expectBlocked("POST /echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
                "0\r\n\r\n" + smuggled_, "TE twice");
  expectBlocked("POST /echo/a HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled_,
                "TE in HTTP/1.0");
}

TEST_F(SmugglingTest, BadChunks) {
  expectBlocked("POST /echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhi\r\n0\r\n\r\n" + smuggled_,
                "non-hex size");
  expectBlocked("POST /echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                "fffffffffffffffffff\r\nhi\r\n0\r\n\r\n" + smuggled_, "overflowing size");
  expectBlocked("POST /echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhiXX0\r\n\r\n" + smuggled_,
                "chunk longer than its size");
}

TEST_F(SmugglingTest, MalformedHeaderLines) {
  expectBlocked("POST /echo/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n" + smuggled_,
                "space before colon");
  expectBlocked("POST /echo/a HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled_,
                "obsolete line folding");
  expectBlocked("GET /echo/a HTTP/1.1\r\nX-A: 1\r\n\r\n", "no Host");
  expectBlocked("GET /echo/a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "two Hosts");
  expectBlocked("GET /echo/a HTTP/1.1\nHost: x\n\n", "bare LF");
  expectBlocked("GET /echo/a HTTP/2.0\r\nHost: x\r\n\r\n", "unsupported version");
}

TEST_F(SmugglingTest, TheGatewayStillServesAfterRejections) {
  expectBlocked("POST /echo/a HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", "warm-up");
  EXPECT_EQ(get("/echo/after").status, 200);
}

}  // namespace
}  // namespace gateway::testing
