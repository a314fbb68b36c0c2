// Status codes outside 100-599 from an upstream (found by tests/fuzz/fuzz_response): Beast
// reads any three digits, and the gateway used to relay "HTTP/1.1 002 OK" to its client as
// a status line no client can read. The response parser now refuses them, so the client gets
// a 502 and the connection to that upstream is not used again.
#include <boost/asio/buffer.hpp>

#include <string>

#include "libgateway/net/response_parser.h"
#include "tests/integration/keepalive_upstream.h"
#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;

// One upstream answer through the parser: the status it kept, or -1 with the rejection.
std::pair<int, std::string> parseStatusLine(const std::string& bytes) {
  net::ResponseParser parser(1024, 1024, false);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec) return {-1, parser.rejection()};
  return {parser.response().status, ""};
}

TEST(UpstreamStatusRange, ParserRefusesStatusesOutside100To599) {
  for (const char* status : {"000", "002", "099", "600", "999"}) {
    SCOPED_TRACE(status);
    const auto [kept, why] = parseStatusLine(std::string("HTTP/1.1 ") + status + " OK\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(kept, -1);
    EXPECT_EQ(why, std::string("status code ") + status + " is outside 100-599");
  }
  for (const int status : {100, 200, 299, 599}) {
    const auto [kept, why] = parseStatusLine("HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(kept, status) << why;
  }
}

class UpstreamStatusRangeTest : public StackTest {};

TEST_F(UpstreamStatusRangeTest, GatewayAnswers502AndDropsTheConnection) {
  KeepAliveUpstream upstream({{"HTTP/1.1 002 OK\r\nContent-Length: 10\r\n\r\nabcdefghij"},
                              {"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ngood"}});
  const json config = {
      {"services", json::array({{{"name", "raw"}, {"instances", json::array({upstream.address()})}}})},
      {"routes", json::array({{{"name", "raw"}, {"match", {{"prefix", "/"}}}, {"service", "raw"}, {"timeout_ms", 1000}}})}};
  startGateway(config);
  std::string error;
  auto client = HttpConnection::open(stack_.gateway(), error);
  ASSERT_TRUE(client) << error;
  ASSERT_TRUE(client->send(buildRequest("GET", "/x", "gw")));
  const auto first = client->read(5000ms, false);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 502) << first->body;
  EXPECT_NE(first->body.find("outside 100-599"), std::string::npos) << first->body;
  // The same client connection goes on; the upstream connection that lied was closed.
  ASSERT_TRUE(client->send(buildRequest("GET", "/x", "gw")));
  const auto second = client->read(5000ms, false);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body, "good");
  EXPECT_EQ(upstream.connections(), 2u);
}

}  // namespace
}  // namespace gateway::testing
