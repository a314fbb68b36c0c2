// Parses one upstream HTTP/1.1 response straight into a gateway::Response on Beast's
// basic_parser: Content-Length, chunked or read-until-close bodies, within the body limit;
// trailers are dropped. Framing the gateway cannot relay faithfully is refused (rejection()
// says why): an unsolicited 101, Transfer-Encoding with Content-Length, chunked not last or
// twice, an unknown transfer coding. Known codings before chunked (or alone, read until
// close) are moved to Content-Encoding, so the client still learns the body is coded. The
// body goes to Response::body, or, once the connection streams it,
// to a BodyStream (streamBody). One parser per response; not thread-safe.
// Net-internal (includes Beast).
#pragma once

#include <cstddef>
#include <string>

#include <boost/beast/http/basic_parser.hpp>

#include "libgateway/http/body_stream.h"
#include "libgateway/http/message.h"

namespace gateway::net {

class ResponseParser final : public boost::beast::http::basic_parser<false> {
 public:
  // `forHead`: the request was HEAD, so the response has no body whatever its fields say.
  ResponseParser(std::size_t maxBodyBytes, std::size_t maxHeaderBytes, bool forHead);

  Response& response() { return response_; }
  const Response& response() const { return response_; }
  int version() const { return version_; }
  // As RequestParser::streamBody.
  void streamBody(BodyStream* sink) {
    streaming_ = true;
    sink_ = sink;
  }
  bool streaming() const { return streaming_; }
  // Why the head was refused (the parser then reports an error), or "".
  const std::string& rejection() const { return rejection_; }
  // A 204 that announced a body (Content-Length or Transfer-Encoding): relayed without one,
  // but what follows on the connection cannot be trusted.
  bool announcedForbiddenBody() const { return forbiddenBody_; }

 private:
  void on_request_impl(boost::beast::http::verb, boost::beast::string_view, boost::beast::string_view, int,
                       boost::system::error_code&) override {}
  void on_response_impl(int status, boost::beast::string_view reason, int version,
                        boost::system::error_code& ec) override;
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
  void reject(std::string why, boost::system::error_code& ec);
  // Checks Transfer-Encoding and moves its codings other than chunked to Content-Encoding.
  void applyTransferCodings(boost::system::error_code& ec);

  Response response_;
  std::string transferCodings_;  // every Transfer-Encoding value, comma-joined
  std::string rejection_;
  bool sawTransferEncoding_ = false;
  bool sawContentLength_ = false;
  bool forHead_ = false;
  bool forbiddenBody_ = false;
  std::size_t maxBodyBytes_;
  std::uint64_t bodyBytes_ = 0;
  int version_ = 11;
  bool headerDone_ = false;
  bool streaming_ = false;
  BodyStream* sink_ = nullptr;
};

}  // namespace gateway::net
