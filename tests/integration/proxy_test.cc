// Proxying over real sockets: routing and rewrites, load-balancer spread, header handling,
// keep-alive, pipelining, chunked bodies both ways, HEAD and HTTP/1.0 clients.
#include <map>

#include "tests/integration/scripted_upstream.h"
#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;

// The echo service's view of a forwarded request.
json echoed(const HttpReply& r) { return json::parse(r.body, nullptr, false); }

std::string echoedHeader(const json& echo, std::string_view name) {
  for (const auto& h : echo["headers"]) {
    std::string n = h[0].get<std::string>();
    for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (n == name) return h[1].get<std::string>();
  }
  return "<absent>";
}

class ProxyTest : public StackTest {};

TEST_F(ProxyTest, TemplateRouteRewritesThePath) {
  startGateway();
  const HttpReply r = get("/api/users/42");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("X-Mock-Target"), "/users/42");
  EXPECT_EQ(r.header("X-Mock-Service"), "users");
  const json user = json::parse(r.body);
  EXPECT_EQ(user["id"], 42);
  EXPECT_FALSE(r.header("X-Correlation-ID").empty());
}

TEST_F(ProxyTest, PrefixRewriteKeepsTheRestAndTheQuery) {
  startGateway();
  HttpReply r = get("/api/orders?userId=42");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("X-Mock-Target"), "/orders?userId=42");
  EXPECT_EQ(json::parse(r.body)["user_id"], 42);
  r = get("/api/products/7");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("X-Mock-Target"), "/products/7");
}

TEST_F(ProxyTest, StripPrefixForwardsTheRest) {
  startGateway();
  const HttpReply r = get("/echo/a/b?x=1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(echoed(r)["target"], "/a/b?x=1");
  EXPECT_EQ(echoed(get("/echo"))["target"], "/");
}

TEST_F(ProxyTest, UnknownRouteIs404AndWrongMethodIs405) {
  startGateway();
  HttpReply r = get("/nowhere");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "no_route");
  r = fetch(stack_.gateway(), "DELETE", "/api/users/1");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD");
}

TEST_F(ProxyTest, HopByHopHeadersAreRemovedAndForwardedHeadersSet) {
  startGateway();
  const HttpReply r = get("/echo/h", {{"Connection", "keep-alive, X-Hop-Secret"},
                                      {"X-Hop-Secret", "do-not-forward"},
                                      {"Keep-Alive", "timeout=5"},
                                      {"TE", "trailers"},
                                      {"Proxy-Authorization", "Basic Zm9vOmJhcg=="},
                                      {"X-Forwarded-For", "10.1.2.3"},
                                      {"X-Custom", "kept"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json echo = echoed(r);
  for (const char* gone : {"connection", "x-hop-secret", "keep-alive", "te", "proxy-authorization"}) {
    EXPECT_EQ(echoedHeader(echo, gone), "<absent>") << gone;
  }
  EXPECT_EQ(echoedHeader(echo, "x-custom"), "kept");
  EXPECT_EQ(echoedHeader(echo, "x-forwarded-for"), "10.1.2.3, 127.0.0.1");
  EXPECT_EQ(echoedHeader(echo, "x-forwarded-proto"), "http");
  EXPECT_EQ(echoedHeader(echo, "host"), stack_.gateway());  // Host passes through by default
  EXPECT_EQ(echoedHeader(echo, "x-correlation-id"), r.header("X-Correlation-ID"));
  EXPECT_EQ(echoedHeader(echo, "traceparent").size(), 55u);
}

TEST_F(ProxyTest, UpstreamHostIsPreservedRewrittenOrTheInstanceAddress) {
  json config = standardGateway();
  config["routes"].push_back({{"name", "echo-instance-host"}, {"match", {{"prefix", "/by-instance"}}},
                              {"service", "echo"}, {"preserve_host", false}});
  config["routes"].push_back({{"name", "echo-rewritten-host"}, {"match", {{"prefix", "/rewritten"}}},
                              {"service", "echo"}, {"host_rewrite", "echo.internal:8080"}});
  startGateway(config);
  // The client's Host is the gateway's own address (the test client always sends it).
  ASSERT_NE(stack_.gateway(), stack_.mock("echo"));
  EXPECT_EQ(echoedHeader(echoed(get("/echo/x")), "host"), stack_.gateway());
  EXPECT_EQ(echoedHeader(echoed(get("/by-instance/x")), "host"), stack_.mock("echo"));
  EXPECT_EQ(echoedHeader(echoed(get("/rewritten/x")), "host"), "echo.internal:8080");
}

TEST_F(ProxyTest, ClientCorrelationIdIsKept) {
  startGateway();
  const HttpReply r = get("/echo/c", {{"X-Correlation-ID", "order-flow-17"}});
  EXPECT_EQ(r.header("X-Correlation-ID"), "order-flow-17");
  EXPECT_EQ(echoedHeader(echoed(r), "x-correlation-id"), "order-flow-17");
}

TEST_F(ProxyTest, RoundRobinSpreadsEvenlyOverInstances) {
  startGateway();
  std::string error;
  auto c = HttpConnection::open(stack_.gateway(), error);
  ASSERT_TRUE(c) << error;
  std::map<std::string, int> byInstance;
  for (int i = 0; i < 30; ++i) {
    auto r = c->request("GET", "/api/users/" + std::to_string(i + 1));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    ++byInstance[r->header("X-Mock-Instance")];
  }
  EXPECT_EQ(byInstance, (std::map<std::string, int>{{"users-1", 10}, {"users-2", 10}, {"users-3", 10}}));
}

TEST_F(ProxyTest, PipelinedRequestsAreAnsweredInOrder) {
  startGateway();
  std::string error;
  auto c = HttpConnection::open(stack_.gateway(), error);
  ASSERT_TRUE(c) << error;
  std::string batch;
  // Different services and delays: answers arrive out of order upstream, leave in order.
  for (int i = 0; i < 6; ++i) {
    const std::string delay = std::to_string((6 - i) * 20);
    batch += buildRequest("GET", "/echo/p" + std::to_string(i), stack_.gateway(), {{"x-fault-delay-ms", delay}});
  }
  ASSERT_TRUE(c->send(batch));
  for (int i = 0; i < 6; ++i) {
    auto r = c->read();
    ASSERT_TRUE(r) << "response " << i;
    EXPECT_EQ(echoed(*r)["target"], "/p" + std::to_string(i));
  }
}

TEST_F(ProxyTest, ChunkedRequestBodyIsForwardedWithALength) {
  startGateway();
  std::string error;
  auto c = HttpConnection::open(stack_.gateway(), error);
  ASSERT_TRUE(c) << error;
  ASSERT_TRUE(c->send("POST /echo/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "6\r\nhello \r\n5;ext=1\r\nworld\r\n0\r\nX-Trailer: dropped\r\n\r\n"));
  auto r = c->read();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json echo = echoed(*r);
  EXPECT_EQ(echo["body"], "hello world");
  EXPECT_EQ(echoedHeader(echo, "content-length"), "11");
  EXPECT_EQ(echoedHeader(echo, "transfer-encoding"), "<absent>");
  EXPECT_EQ(echoedHeader(echo, "x-trailer"), "<absent>");
}

TEST_F(ProxyTest, HeadGetsTheLengthWithoutABody) {
  startGateway();
  std::string error;
  auto c = HttpConnection::open(stack_.gateway(), error);
  ASSERT_TRUE(c) << error;
  auto head = c->request("HEAD", "/api/users/5");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  const std::string length = head->header("Content-Length");
  EXPECT_NE(length, "");
  auto r = c->request("GET", "/api/users/5");  // the connection is still in sync
  ASSERT_TRUE(r);
  EXPECT_EQ(std::to_string(r->body.size()), length);
}

TEST_F(ProxyTest, Http10ClientGetsAnAnswerAndAClose) {
  startGateway();
  std::string error;
  auto c = HttpConnection::open(stack_.gateway(), error);
  ASSERT_TRUE(c) << error;
  ASSERT_TRUE(c->send("GET /api/users/3 HTTP/1.0\r\n\r\n"));
  auto r = c->read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(c->waitClosed());
}

TEST_F(ProxyTest, RequestFollowedByHalfCloseIsAnswered) {
  startGateway();
  std::string error;
  auto c = HttpConnection::open(stack_.gateway(), error);
  ASSERT_TRUE(c) << error;
  ASSERT_TRUE(c->send(buildRequest("GET", "/api/users/4", "x") + buildRequest("GET", "/api/users/5", "x")));
  c->shutdownWrite();
  for (const char* id : {"4", "5"}) {
    auto r = c->read();
    ASSERT_TRUE(r) << "no answer for user " << id;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("X-Mock-Target"), std::string("/users/") + id);
  }
  EXPECT_TRUE(c->waitClosed());
}

TEST_F(ProxyTest, ExpectContinueGetsAnInterimAnswer) {
  startGateway();
  std::string error;
  auto c = HttpConnection::open(stack_.gateway(), error);
  ASSERT_TRUE(c) << error;
  ASSERT_TRUE(c->send("POST /echo/e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
  auto interim = c->read();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(c->send("ping"));
  auto r = c->read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(echoed(*r)["body"], "ping");
  EXPECT_EQ(echoedHeader(echoed(*r), "expect"), "<absent>");
}

// Upstream responses mock-services does not produce, from a scripted upstream.
json scriptedConfig(const std::string& address) {
  return {{"services", json::array({{{"name", "raw"}, {"instances", json::array({address})}}})},
          {"routes", json::array({{{"name", "raw"}, {"match", {{"prefix", "/"}}}, {"service", "raw"}}})}};
}

TEST_F(ProxyTest, ChunkedUpstreamResponseIsBufferedWithALength) {
  ScriptedUpstream upstream({"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Up: 1\r\n\r\n"
                             "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"});
  startGateway(scriptedConfig(upstream.address()));
  const HttpReply r = get("/x");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "hello world");
  EXPECT_EQ(r.header("Content-Length"), "11");
  EXPECT_FALSE(r.chunked);
  EXPECT_EQ(r.header("X-Up"), "1");
}

TEST_F(ProxyTest, ResponseReadUntilCloseIsForwarded) {
  ScriptedUpstream upstream({"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end"});
  startGateway(scriptedConfig(upstream.address()));
  const HttpReply r = get("/x");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "until the end");
}

TEST_F(ProxyTest, MalformedUpstreamResponseIs502) {
  ScriptedUpstream upstream({"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nbad\r\n0\r\n\r\n",
                             "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"});
  startGateway(scriptedConfig(upstream.address()));
  for (int i = 0; i < 2; ++i) {
    const HttpReply r = get("/x");
    EXPECT_EQ(r.status, 502) << r.body;
    EXPECT_EQ(json::parse(r.body)["error"]["code"], "upstream_protocol_error");
  }
}

TEST_F(ProxyTest, OversizedUpstreamResponseIs502) {
  ScriptedUpstream upstream({"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'x'),
                             "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1388\r\n" + std::string(5000, 'y') +
                                 "\r\n0\r\n\r\n"});
  startGateway(scriptedConfig(upstream.address()), {"--max-response-body-bytes", "4096"});
  for (int i = 0; i < 2; ++i) {
    const HttpReply r = get("/x");
    EXPECT_EQ(r.status, 502) << r.body;
    EXPECT_NE(r.body.find("exceeds 4096 bytes"), std::string::npos) << r.body;
  }
}

}  // namespace
}  // namespace gateway::testing
