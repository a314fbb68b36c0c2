#include "libgateway/net/response_parser.h"

#include <algorithm>
#include <string_view>

#include "libgateway/http/headers.h"

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

namespace {

// True for a Connection value made only of "keep-alive" / "close" tokens: then it names no
// other hop-by-hop field and can be dropped here instead of by the core.
bool plainConnectionValue(std::string_view v) {
  std::size_t start = 0;
  while (start <= v.size()) {
    std::size_t comma = v.find(',', start);
    if (comma == std::string_view::npos) comma = v.size();
    std::string_view token = v.substr(start, comma - start);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (!token.empty() && !iequals(token, "keep-alive") && !iequals(token, "close")) return false;
    start = comma + 1;
  }
  return true;
}

}  // namespace

void ResponseParser::on_field_impl(http::field name, boost::beast::string_view nameText, boost::beast::string_view value,
                                   error_code&) {
  if (headerDone_) return;  // trailers are not forwarded
  // Framing and plain connection management are this hop's business (the parser used them):
  // not adding them saves the core removing them again.
  if (name == http::field::transfer_encoding || name == http::field::keep_alive) return;
  if (name == http::field::connection && plainConnectionValue(std::string_view(value.data(), value.size()))) return;
  response_.headers.add(std::string_view(nameText.data(), nameText.size()),
                        std::string_view(value.data(), value.size()));
}

void ResponseParser::on_header_impl(error_code&) { headerDone_ = true; }

void ResponseParser::on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) {
  // A long body is streamed: reserve only what is held whole.
  constexpr std::uint64_t kReserveAtMost = 32 * 1024;
  if (length) response_.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*length, kReserveAtMost)));
}

std::size_t ResponseParser::on_body_impl(boost::beast::string_view body, error_code& ec) {
  // Bodies read until close have no length for Beast to check up front.
  if (bodyBytes_ + body.size() > maxBodyBytes_) {
    ec = http::error::body_limit;
    return 0;
  }
  bodyBytes_ += body.size();
  if (streaming_) {
    if (sink_) sink_->write(std::string_view(body.data(), body.size()));
  } else {
    response_.body.append(body.data(), body.size());
  }
  return body.size();
}

void ResponseParser::on_chunk_header_impl(std::uint64_t, boost::beast::string_view, error_code&) {}

std::size_t ResponseParser::on_chunk_body_impl(std::uint64_t, boost::beast::string_view body, error_code& ec) {
  return on_body_impl(body, ec);
}

void ResponseParser::on_finish_impl(error_code&) {}

}  // namespace gateway::net
