// Parses one HTTP/1.1 request straight into a gateway::Request (no Beast message in between)
// on Beast's basic_parser, adding what a proxy must enforce beyond it: URL length (414),
// total header size and count (431), Transfer-Encoding other than exactly "chunked", a
// missing or repeated Host (400), and trailers that never reach the request. Beast itself
// rejects Content-Length with Transfer-Encoding, conflicting lengths and bad chunks. The body
// goes to Request::body, or, once the session streams it, to a BodyStream (streamBody).
// One parser per request; not thread-safe. Net-internal (includes Beast).
#pragma once

#include <cstddef>
#include <string>

#include <boost/beast/http/basic_parser.hpp>

#include "libgateway/http/body_stream.h"
#include "libgateway/http/message.h"
#include "libgateway/net/http_limits.h"

namespace gateway::net {

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  explicit RequestParser(const HttpLimits& limits);

  Request& request() { return request_; }
  const Request& request() const { return request_; }
  int version() const { return version_; }
  bool expectsContinue() const { return expectContinue_; }
  // The HTTP answer for an error put() returned.
  RequestFailure failure(const boost::system::error_code& ec) const;
  // failure(ec), with Beast's header limit told apart: a request line longer than the URL
  // limit is a 414, not a 431. `bytes`: what was buffered when put() failed.
  RequestFailure failure(const boost::system::error_code& ec, std::string_view bytes) const;
  // Obsolete line folding (RFC 9112 5.2) in the head at the start of `bytes`: refused (400).
  static bool hasObsFold(std::string_view bytes);
  // From now on body bytes go to `sink` instead of request().body; null drops them (the reader
  // went away). Set before every put() while streaming.
  void streamBody(BodyStream* sink) {
    streaming_ = true;
    sink_ = sink;
  }
  bool streaming() const { return streaming_; }
  // Body bytes received so far (chunk data only, without its framing).
  std::uint64_t bodyReceived() const { return bodyReceived_; }

 private:
  void reject(int status, std::string code, std::string message, boost::system::error_code& ec);

  void on_request_impl(boost::beast::http::verb method, boost::beast::string_view methodText,
                       boost::beast::string_view target, int version, boost::system::error_code& ec) override;
  void on_response_impl(int, boost::beast::string_view, int, boost::system::error_code&) override {}
  void on_field_impl(boost::beast::http::field name, boost::beast::string_view nameText,
                     boost::beast::string_view value, boost::system::error_code& ec) override;
  void on_header_impl(boost::system::error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, boost::system::error_code& ec) override;
  std::size_t on_body_impl(boost::beast::string_view body, boost::system::error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t size, boost::beast::string_view extensions,
                            boost::system::error_code& ec) override;
  std::size_t on_chunk_body_impl(std::uint64_t remain, boost::beast::string_view body,
                                 boost::system::error_code& ec) override;
  void on_finish_impl(boost::system::error_code& ec) override;

  const HttpLimits& limits_;
  Request request_;
  int version_ = 11;
  std::size_t headerBytes_ = 0;
  std::size_t fieldCount_ = 0;
  int hostCount_ = 0;
  bool headerDone_ = false;
  bool expectContinue_ = false;
  bool transferEncoding_ = false;
  std::string absoluteHost_;  // authority of an absolute-form target
  RequestFailure custom_;
  bool hasCustom_ = false;
  bool streaming_ = false;
  std::uint64_t bodyReceived_ = 0;
  BodyStream* sink_ = nullptr;
};

}  // namespace gateway::net
