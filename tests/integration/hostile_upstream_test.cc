// An upstream is not trusted: gatewayd in front of a raw-socket upstream that answers with
// malformed or surprising bytes. For each case: what the client gets (status, fields, body
// framing; the next request on the same client connection still gets its own answer, so
// nothing desynchronised it), and whether the pooled upstream connection was used again
// (the upstream counts the connections it accepted).
#include <ostream>
#include <string>

#include "tests/integration/keepalive_upstream.h"
#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;

const std::string kGood = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ngood";

class HostileUpstreamTest : public StackTest {
 protected:
  // Starts the gateway in front of an upstream that answers with `first`, then kGood.
  void serve(std::vector<UpstreamStep> first, const std::vector<std::string>& extraArgs = {}) {
    first.push_back({kGood});
    upstream_ = std::make_unique<KeepAliveUpstream>(std::move(first));
    const json config = {
        {"services", json::array({{{"name", "raw"}, {"instances", json::array({upstream_->address()})}}})},
        {"routes", json::array({{{"name", "raw"}, {"match", {{"prefix", "/"}}}, {"service", "raw"}, {"timeout_ms", 1000}}})}};
    startGateway(config, extraArgs);
    std::string error;
    client_ = HttpConnection::open(stack_.gateway(), error);
    ASSERT_TRUE(client_) << error;
  }
  std::optional<HttpReply> ask(std::string_view method = "GET") {
    if (!client_->send(buildRequest(method, "/x", "gw"))) return std::nullopt;
    return client_->read(5000ms, method == "HEAD");
  }
  // The next request on the same client connection gets the upstream's next answer, and
  // `connections` upstream connections were opened in all.
  void expectCleanFollowUp(std::uint64_t connections) {
    const auto next = ask();
    ASSERT_TRUE(next) << "the client connection is out of step";
    EXPECT_EQ(next->status, 200);
    EXPECT_EQ(next->body, "good");
    EXPECT_EQ(upstream_->connections(), connections);
  }
  static std::string code(const HttpReply& r) {
    const json body = json::parse(r.body, nullptr, false);
    return body.is_object() && body.contains("error") ? body["error"]["code"].get<std::string>() : "";
  }
  void expect502(const std::optional<HttpReply>& r, std::string_view detail = {}) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 502) << r->body;
    EXPECT_EQ(code(*r), "upstream_protocol_error") << r->body;
    if (!detail.empty()) {
      EXPECT_NE(r->body.find(detail), std::string::npos) << r->body;
    }
  }

  std::unique_ptr<KeepAliveUpstream> upstream_;
  std::unique_ptr<HttpConnection> client_;
};

// The control: a well-behaved upstream's connection is reused.
TEST_F(HostileUpstreamTest, CleanAnswersReuseTheConnection) {
  serve({{kGood}});
  const auto r = ask();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "good");
  expectCleanFollowUp(1);
}

// --- 1. Transfer codings other than chunked --------------------------------------------------

TEST_F(HostileUpstreamTest, GzipThenChunkedKeepsTheCodingAsContentEncoding) {
  serve({{"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Encoding: br\r\n\r\n"
          "3\r\nabc\r\n0\r\n\r\n"}});
  const auto r = ask();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "abc");
  EXPECT_EQ(r->header("Content-Encoding"), "br, gzip");  // br applied first, then gzip
  EXPECT_FALSE(r->has("Transfer-Encoding") && r->header("Transfer-Encoding") != "chunked");
  expectCleanFollowUp(1);  // a valid message: the connection is reused
}

TEST_F(HostileUpstreamTest, GzipAloneReadUntilCloseKeepsTheCoding) {
  serve({{"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzipped bytes", true}});
  const auto r = ask();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "zipped bytes");
  EXPECT_EQ(r->header("Content-Encoding"), "gzip");
  expectCleanFollowUp(2);
}

TEST_F(HostileUpstreamTest, ChunkedNotLastIs502) {
  serve({{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n3\r\nabc\r\n0\r\n\r\n"}});
  expect502(ask(), "after chunked");
  expectCleanFollowUp(2);
}

TEST_F(HostileUpstreamTest, UnknownTransferCodingIs502) {
  serve({{"HTTP/1.1 200 OK\r\nTransfer-Encoding: sparkle, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"}});
  expect502(ask(), "unknown transfer coding");
  expectCleanFollowUp(2);
}

// --- 2. Unsolicited 101 ----------------------------------------------------------------------

TEST_F(HostileUpstreamTest, UnsolicitedSwitchingProtocolsIs502) {
  serve({{"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nraw frames"}});
  expect502(ask(), "unsolicited 101");
  expectCleanFollowUp(2);
}

TEST_F(HostileUpstreamTest, HeaderlessSwitchingProtocolsIs502) {
  serve({{"HTTP/1.1 101 Switching Protocols\r\n\r\n"}});
  expect502(ask(), "unsolicited 101");
  expectCleanFollowUp(2);
}

// --- 3. Interim answers ----------------------------------------------------------------------

TEST_F(HostileUpstreamTest, InterimAnswersAreSkippedAndTheFinalOneRelayed) {
  serve({{"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
          "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Final: 1\r\n\r\nfinal"}});
  const auto r = ask();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "final");
  EXPECT_EQ(r->header("X-Final"), "1");
  EXPECT_FALSE(r->has("Link"));
  expectCleanFollowUp(1);
}

TEST_F(HostileUpstreamTest, EndlessInterimAnswersAre502) {
  std::string many;
  for (int i = 0; i < 20; ++i) many += "HTTP/1.1 100 Continue\r\n\r\n";
  serve({{many}});
  expect502(ask(), "interim responses");
  expectCleanFollowUp(2);
}

// --- 4. Bodies where none belong -------------------------------------------------------------

TEST_F(HostileUpstreamTest, BodyOn204IsNotRelayedNorReadAsTheNextAnswer) {
  serve({{"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello"}});
  const auto r = ask();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(r->body, "");
  expectCleanFollowUp(2);
}

TEST_F(HostileUpstreamTest, BodyOn304IsNotRelayedNorReadAsTheNextAnswer) {
  serve({{"HTTP/1.1 304 Not Modified\r\nETag: \"a\"\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil"}});
  const auto r = ask();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 304);
  EXPECT_EQ(r->body, "");
  expectCleanFollowUp(2);  // "evil" was never anyone's answer
}

TEST_F(HostileUpstreamTest, BodyOnHeadAnswerIsNotRelayedNorReadAsTheNextAnswer) {
  serve({{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"}});
  const auto r = ask("HEAD");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("Content-Length"), "5");
  EXPECT_EQ(r->body, "");
  expectCleanFollowUp(2);
}

// --- 5. Conflicting or invalid lengths -------------------------------------------------------

struct BadLength {
  const char* name;
  const char* fields;
};
void PrintTo(const BadLength& b, std::ostream* os) { *os << b.name; }

class BadLengthTest : public HostileUpstreamTest, public ::testing::WithParamInterface<BadLength> {};

TEST_P(BadLengthTest, Is502AndTheConnectionIsNotReused) {
  serve({{std::string("HTTP/1.1 200 OK\r\n") + GetParam().fields + "\r\n\r\nhello!\r\n0\r\n\r\n"}});
  expect502(ask());
  expectCleanFollowUp(2);
}

INSTANTIATE_TEST_SUITE_P(
    Lengths, BadLengthTest,
    ::testing::Values(BadLength{"ListOfTwoLengths", "Content-Length: 5, 6"},
                      BadLength{"TwoLengthFields", "Content-Length: 5\r\nContent-Length: 6"},
                      BadLength{"NegativeLength", "Content-Length: -1"},
                      BadLength{"NonNumericLength", "Content-Length: abc"},
                      BadLength{"LengthThenChunked", "Content-Length: 6\r\nTransfer-Encoding: chunked"},
                      BadLength{"ChunkedThenLength", "Transfer-Encoding: chunked\r\nContent-Length: 6"},
                      BadLength{"GzipThenLength", "Transfer-Encoding: gzip\r\nContent-Length: 6"},
                      BadLength{"ChunkedTwice", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked"}),
    [](const ::testing::TestParamInfo<BadLength>& info) { return std::string(info.param.name); });

// --- 6. Premature close ----------------------------------------------------------------------

TEST_F(HostileUpstreamTest, ShortBodyThenCloseIs502) {
  serve({{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", true}});
  expect502(ask(), "closed the connection mid-response");
  expectCleanFollowUp(2);
}

TEST_F(HostileUpstreamTest, CloseMidChunkIs502) {
  serve({{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nhel", true}});
  expect502(ask(), "closed the connection mid-response");
  expectCleanFollowUp(2);
}

// A body long enough to be streamed: the head is already on its way, so the client connection
// is cut instead of the answer looking complete.
TEST_F(HostileUpstreamTest, CloseMidStreamedBodyCutsTheClientConnection) {
  serve({{"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + std::string(50000, 'x'), true}});
  ASSERT_TRUE(client_->send(buildRequest("GET", "/x", "gw")));
  EXPECT_FALSE(client_->read()) << "a cut body was relayed as complete";
  EXPECT_TRUE(client_->waitClosed());
}

TEST_F(HostileUpstreamTest, CloseMidStreamedChunkedBodyCutsTheClientConnection) {
  serve({{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000\r\n" + std::string(50000, 'x'), true}});
  ASSERT_TRUE(client_->send(buildRequest("GET", "/x", "gw")));
  EXPECT_FALSE(client_->read()) << "a cut body was relayed as complete";
  EXPECT_TRUE(client_->waitClosed());
}

// --- 7. Two answers to one request -----------------------------------------------------------

TEST_F(HostileUpstreamTest, SecondAnswerToOneRequestIsDropped) {
  serve({{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirstHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nextra"}});
  const auto r = ask();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "first");
  expectCleanFollowUp(2);  // "extra" is not the next request's answer
}

// --- 8. Oversized or endless heads -----------------------------------------------------------

TEST_F(HostileUpstreamTest, OversizedHeadIs502) {
  serve({{"HTTP/1.1 200 OK\r\nX-Big: " + std::string(70 * 1024, 'h') + "\r\nContent-Length: 0\r\n\r\n"}});
  expect502(ask(), "exceeds 65536 bytes");
  expectCleanFollowUp(2);
}

TEST_F(HostileUpstreamTest, EndlessHeadIs502AtTheLimit) {
  std::string endless = "HTTP/1.1 200 OK\r\n";
  while (endless.size() < 200 * 1024) endless += "X-More: yes\r\n";  // never ends the head
  serve({{endless}});
  expect502(ask(), "exceeds 65536 bytes");
  expectCleanFollowUp(2);
}

TEST_F(HostileUpstreamTest, UnfinishedHeadIs504AtTheRouteDeadline) {
  serve({{"HTTP/1.1 200 OK\r\nX-Half: "}});
  const auto r = ask();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 504) << r->body;
  expectCleanFollowUp(2);
}

// --- 9. Hop-by-hop fields --------------------------------------------------------------------

TEST_F(HostileUpstreamTest, HopByHopResponseFieldsAreRemoved) {
  serve({{"HTTP/1.1 200 OK\r\nConnection: keep-alive, X-Secret\r\nX-Secret: hidden\r\nKeep-Alive: timeout=5\r\n"
          "Upgrade: h2c\r\nProxy-Connection: keep-alive\r\nTrailer: X-Sum\r\nTE: trailers\r\nX-Kept: 1\r\n"
          "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Sum: 1\r\n\r\n"}});
  const auto r = ask();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok");
  for (const char* gone : {"X-Secret", "Keep-Alive", "Upgrade", "Proxy-Connection", "Trailer", "TE", "X-Sum"}) {
    EXPECT_FALSE(r->has(gone)) << gone;
  }
  EXPECT_NE(r->header("Connection"), "keep-alive, X-Secret");
  EXPECT_EQ(r->header("X-Kept"), "1");
  expectCleanFollowUp(1);
}

}  // namespace
}  // namespace gateway::testing
