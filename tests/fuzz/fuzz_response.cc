// Bytes from an upstream into the response parser, as the upstream connection drives it:
// interim (1xx) answers skipped up to a bound, a body read until close finished by the EOF.
// The first byte picks the request it answers (GET or HEAD) and whether the connection ends
// after the bytes. Invariants:
//   - a refusal is an error, and a head refused for its framing says why;
//   - a whole response has a status from 200 to 599 (101 and other 1xx never come out), no
//     framing fields of its own, and a body within the limit and empty for HEAD, 204 and 304;
//   - a whole response, as the gateway writes it to its client, parses back with the same
//     status, fields and body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include "fuzz_support.h"
#include "libgateway/net/http_wire.h"
#include "libgateway/net/response_parser.h"

namespace {

namespace http = boost::beast::http;
using gateway::net::ResponseParser;

constexpr std::size_t kMaxBody = 64 * 1024;
constexpr std::size_t kMaxHeader = 16 * 1024;
constexpr int kMaxInterim = 8;

std::string responseFields(const gateway::Headers& headers) {
  std::string out;
  for (const auto f : headers) {
    // The fields the session writes itself.
    if (gateway::iequals(f.name, "date") || gateway::iequals(f.name, "content-length") ||
        gateway::iequals(f.name, "connection") || gateway::iequals(f.name, "keep-alive")) {
      continue;
    }
    out.append(f.name).append(": ").append(f.value).append("\n");
  }
  return out;
}

void checkWhole(const ResponseParser& parser, bool head) {
  const gateway::Response& r = parser.response();
  FUZZ_CHECK(r.status >= 200 && r.status <= 599, "a whole response with status " + std::to_string(r.status));
  for (const auto f : r.headers) {
    FUZZ_CHECK(!gateway::iequals(f.name, "transfer-encoding"), "Transfer-Encoding kept in the fields");
  }
  FUZZ_CHECK(r.body.size() <= kMaxBody, "a body over the limit: " + std::to_string(r.body.size()));
  if (head || r.status == 204 || r.status == 304) {
    FUZZ_CHECK(r.body.empty(), "a body on a response that has none: status " + std::to_string(r.status));
  }
  // As the session writes it to the client, then as a client reads it.
  std::string wire;
  gateway::net::ResponseFraming framing;
  framing.headRequest = head;
  gateway::net::writeResponseHead(wire, r, framing);
  if (!gateway::net::responseHasNoBody(r.status, head)) wire += r.body;
  ResponseParser again(kMaxBody, kMaxHeader + 1024, head);
  boost::system::error_code ec;
  const std::size_t used = again.put(boost::asio::buffer(wire.data(), wire.size()), ec);
  FUZZ_CHECK(!ec && again.is_done() && used == wire.size(), "the relayed response does not parse back: " + ec.message() +
                                                                "\n" + wire);
  FUZZ_CHECK(again.response().status == r.status, "status changed when relayed:\n" + wire);
  FUZZ_CHECK(again.response().body == r.body, "body changed when relayed:\n" + wire);
  FUZZ_CHECK(responseFields(again.response().headers) == responseFields(r.headers), "fields changed when relayed:\n" + wire);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool head = data[0] & 1;
  const bool eof = data[0] & 2;
  std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  for (int interim = 0; interim <= kMaxInterim; ++interim) {
    ResponseParser parser(kMaxBody, kMaxHeader, head);
    boost::system::error_code ec;
    while (!bytes.empty() && !parser.is_done()) {
      const std::size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
      bytes.remove_prefix(used);
      if (ec || used == 0) break;
    }
    if (ec == http::error::need_more) ec = {};
    if (!ec && !parser.is_done() && eof && parser.got_some()) {
      parser.put_eof(ec);  // a body read until close ends here; anything else is cut short
    }
    if (ec) {
      if (!parser.rejection().empty()) FUZZ_CHECK(ec == http::error::bad_value, "a rejection without an error");
      return 0;
    }
    if (!parser.is_done()) return 0;  // incomplete: the connection would wait or fail
    const int status = parser.response().status;
    FUZZ_CHECK(status != 101, "a 101 was accepted");
    if (status >= 100 && status < 200) continue;  // interim: the next response follows
    checkWhole(parser, head);
    return 0;
  }
  return 0;
}
