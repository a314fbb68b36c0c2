#include "libgateway/net/response_parser.h"

#include <algorithm>

namespace gateway::net {

namespace http = boost::beast::http;
using boost::system::error_code;

ResponseParser::ResponseParser(std::size_t maxBodyBytes, std::size_t maxHeaderBytes, bool forHead)
    : maxBodyBytes_(maxBodyBytes) {
  header_limit(static_cast<std::uint32_t>(maxHeaderBytes));
  body_limit(maxBodyBytes);
  eager(true);
  if (forHead) skip(true);
}

void ResponseParser::on_response_impl(int status, boost::beast::string_view, int version, error_code&) {
  response_.status = status;
  version_ = version;
}

void ResponseParser::on_field_impl(http::field, boost::beast::string_view nameText, boost::beast::string_view value,
                                   error_code&) {
  if (headerDone_) return;  // trailers are not forwarded
  response_.headers.add(std::string_view(nameText.data(), nameText.size()),
                        std::string_view(value.data(), value.size()));
}

void ResponseParser::on_header_impl(error_code&) { headerDone_ = true; }

void ResponseParser::on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) {
  if (length) response_.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*length, maxBodyBytes_)));
}

std::size_t ResponseParser::on_body_impl(boost::beast::string_view body, error_code& ec) {
  // Bodies read until close have no length for Beast to check up front.
  if (response_.body.size() + body.size() > maxBodyBytes_) {
    ec = http::error::body_limit;
    return 0;
  }
  response_.body.append(body.data(), body.size());
  return body.size();
}

void ResponseParser::on_chunk_header_impl(std::uint64_t, boost::beast::string_view, error_code&) {}

std::size_t ResponseParser::on_chunk_body_impl(std::uint64_t, boost::beast::string_view body, error_code&) {
  response_.body.append(body.data(), body.size());
  return body.size();
}

void ResponseParser::on_finish_impl(error_code&) {}

}  // namespace gateway::net
