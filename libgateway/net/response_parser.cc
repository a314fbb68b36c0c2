#include "libgateway/net/response_parser.h"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "libgateway/http/headers.h"

namespace gateway::net {

namespace http = boost::beast::http;
using boost::system::error_code;

ResponseParser::ResponseParser(std::size_t maxBodyBytes, std::size_t maxHeaderBytes, bool forHead)
    : maxBodyBytes_(maxBodyBytes) {
  forHead_ = forHead;
  header_limit(static_cast<std::uint32_t>(maxHeaderBytes));
  body_limit(maxBodyBytes);
  eager(true);
  if (forHead) skip(true);
}

void ResponseParser::on_response_impl(int status, boost::beast::string_view, int version, error_code& ec) {
  // Beast takes any three digits; RFC 9110 15 allows 100-599. Relayed, "002" or "999" would
  // be a status line the client cannot read.
  if (status < 100 || status > 599) return reject(fmt::format("status code {:03} is outside 100-599", status), ec);
  response_.status = status;
  version_ = version;
}

void ResponseParser::on_field_impl(http::field name, boost::beast::string_view nameText, boost::beast::string_view value,
                                   error_code&) {
  if (headerDone_) return;  // trailers are not forwarded
  // Framing and plain connection management are this hop's business (the parser used them):
  // not adding them saves the core removing them again.
  if (name == http::field::transfer_encoding) {
    if (sawTransferEncoding_) transferCodings_ += ", ";
    transferCodings_.append(value.data(), value.size());
    sawTransferEncoding_ = true;
    return;
  }
  if (name == http::field::content_length) sawContentLength_ = true;
  if (name == http::field::keep_alive) return;
  if (name == http::field::connection && plainConnectionValue(std::string_view(value.data(), value.size()))) return;
  response_.headers.add(std::string_view(nameText.data(), nameText.size()),
                        std::string_view(value.data(), value.size()));
}

void ResponseParser::reject(std::string why, error_code& ec) {
  rejection_ = std::move(why);
  ec = http::error::bad_value;
}

namespace {

// The transfer codings a client can also decode as content codings (RFC 9110 8.4.1).
bool knownCoding(std::string_view c) {
  return iequals(c, "gzip") || iequals(c, "x-gzip") || iequals(c, "deflate") || iequals(c, "compress") ||
         iequals(c, "x-compress");
}

}  // namespace

void ResponseParser::applyTransferCodings(error_code& ec) {
  if (sawContentLength_) return reject("both Transfer-Encoding and Content-Length", ec);
  std::string moved;  // the codings other than chunked, in the order they were applied
  bool chunked = false;
  std::string_view v = transferCodings_;
  std::size_t start = 0;
  while (start <= v.size()) {
    std::size_t comma = v.find(',', start);
    if (comma == std::string_view::npos) comma = v.size();
    std::string_view c = v.substr(start, comma - start);
    start = comma + 1;
    while (!c.empty() && (c.front() == ' ' || c.front() == '\t')) c.remove_prefix(1);
    while (!c.empty() && (c.back() == ' ' || c.back() == '\t')) c.remove_suffix(1);
    if (c.empty()) continue;
    if (chunked) return reject("Transfer-Encoding has a coding after chunked", ec);
    if (iequals(c, "chunked")) {
      chunked = true;
      continue;
    }
    if (!knownCoding(c)) return reject(fmt::format("unknown transfer coding \"{}\"", c), ec);
    if (!moved.empty()) moved += ", ";
    moved += c;
  }
  if (moved.empty()) return;
  const std::string_view present = response_.headers.get("content-encoding");
  const std::string value = present.empty() ? moved : fmt::format("{}, {}", present, moved);
  response_.headers.set("Content-Encoding", value);
}

void ResponseParser::on_header_impl(error_code& ec) {
  headerDone_ = true;
  const int status = response_.status;
  // The gateway never forwards Upgrade, so no 101 is ever asked for.
  if (status == 101) return reject("unsolicited 101 Switching Protocols", ec);
  if (status < 200) return;  // interim: its fields are not relayed
  if (status == 204) forbiddenBody_ = sawTransferEncoding_ || content_length().value_or(0) > 0;
  // Without a body (HEAD, 204, 304) Transfer-Encoding only describes what a GET would get.
  if (!sawTransferEncoding_ || forHead_ || status == 204 || status == 304) return;
  applyTransferCodings(ec);
}

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
