#include "libgateway/net/request_parser.h"

#include <fmt/format.h>

#include "libgateway/http/headers.h"

namespace gateway::net {

namespace http = boost::beast::http;
using boost::system::error_code;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool startsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

}  // namespace

RequestParser::RequestParser(const HttpLimits& limits) : limits_(limits) {
  // Beast's own header limit is a backstop: our field accounting answers 431 and 414 first,
  // with the request line allowed its own budget.
  header_limit(static_cast<std::uint32_t>(limits.maxUrlBytes + limits.maxHeaderBytes + 1024));
  body_limit(limits.maxBodyBytes);
  eager(true);
}

void RequestParser::reject(int status, std::string code, std::string message, error_code& ec) {
  if (!hasCustom_) custom_ = {status, std::move(code), std::move(message)};
  hasCustom_ = true;
  ec = http::error::bad_value;
}

RequestFailure RequestParser::failure(const error_code& ec) const {
  if (hasCustom_) return custom_;
  if (ec == http::error::header_limit) {
    return {431, "header_too_large", fmt::format("the request header exceeds {} bytes", limits_.maxHeaderBytes)};
  }
  if (ec == http::error::body_limit) {
    return {413, "body_too_large", fmt::format("the request body exceeds {} bytes", limits_.maxBodyBytes)};
  }
  if (ec == http::error::bad_content_length || ec == http::error::multiple_content_length) {
    return {400, "bad_framing", "invalid or conflicting Content-Length (or Content-Length with chunked)"};
  }
  if (ec == http::error::bad_transfer_encoding) {
    return {400, "bad_framing", "Transfer-Encoding repeated or combined with Content-Length"};
  }
  if (ec == http::error::bad_chunk || ec == http::error::bad_chunk_extension) {
    return {400, "bad_chunk", "malformed chunk in a chunked body"};
  }
  if (ec == http::error::bad_version) return {400, "bad_version", "malformed HTTP version"};
  if (ec == http::error::bad_method) return {400, "bad_method", "malformed method"};
  if (ec == http::error::bad_target) return {400, "bad_target", "malformed request target"};
  if (ec == http::error::bad_field) return {400, "bad_field", "malformed header field name"};
  if (ec == http::error::bad_value) return {400, "bad_field", "malformed header field value"};
  if (ec == http::error::bad_line_ending) return {400, "bad_line_ending", "lines must end with CRLF"};
  return {400, "bad_request", fmt::format("malformed request: {}", ec.message())};
}

RequestFailure RequestParser::failure(const error_code& ec, std::string_view bytes) const {
  RequestFailure f = failure(ec);
  if (ec == http::error::header_limit && f.status == 431) {
    // Beast stops at its header limit before seeing the request line end: a target that
    // long is a 414, not a 431.
    const auto eol = bytes.find("\r\n");
    if (eol == std::string_view::npos || eol > limits_.maxUrlBytes + 16) {
      f = {414, "uri_too_long", fmt::format("the request target exceeds {} bytes", limits_.maxUrlBytes)};
    }
  }
  return f;
}

bool RequestParser::hasObsFold(std::string_view bytes) {
  const auto end = bytes.find("\r\n\r\n");
  const std::string_view head = end == std::string_view::npos ? bytes : bytes.substr(0, end + 2);
  return head.find("\r\n ") != std::string_view::npos || head.find("\r\n\t") != std::string_view::npos;
}

void RequestParser::on_request_impl(http::verb, boost::beast::string_view methodText,
                                    boost::beast::string_view target, int version, error_code& ec) {
  if (target.size() > limits_.maxUrlBytes) {
    return reject(414, "uri_too_long", fmt::format("the request target exceeds {} bytes", limits_.maxUrlBytes), ec);
  }
  if (version != 10 && version != 11) {
    return reject(400, "unsupported_version", fmt::format("HTTP/{}.{} is not supported", version / 10, version % 10), ec);
  }
  version_ = version;
  request_.method.assign(methodText.data(), methodText.size());
  const std::string_view t(target.data(), target.size());
  std::string_view path = t;
  bool leadingSlash = false;
  if (t.empty() || (t.front() != '/' && !(t == "*" && request_.method == "OPTIONS"))) {
    if (!startsWithNoCase(t, "http://") && !startsWithNoCase(t, "https://")) {
      return reject(400, "bad_target", "the request target must be a path (origin-form) or an absolute URL", ec);
    }
    // absolute-form (RFC 9112 3.2.2): the authority replaces Host.
    const std::size_t start = t.find("//") + 2;
    const std::size_t end = std::min(t.find_first_of("/?", start), t.size());
    const std::string_view authority = t.substr(start, end - start);
    if (authority.empty() || authority.find('@') != std::string_view::npos) {
      return reject(400, "bad_target", "an absolute-form target needs a host and no userinfo", ec);
    }
    absoluteHost_.append(authority.data(), authority.size());
    path = t.substr(end);
    leadingSlash = path.empty() || path.front() == '?';
  }
  request_.target.clear();
  if (leadingSlash) request_.target.push_back('/');
  request_.target.append(path.data(), path.size());
}

void RequestParser::on_field_impl(http::field name, boost::beast::string_view nameText,
                                  boost::beast::string_view value, error_code& ec) {
  if (headerDone_) return;  // trailer fields are dropped: they must not act as headers
  headerBytes_ += nameText.size() + value.size() + 4;
  if (++fieldCount_ > limits_.maxHeaderFields) {
    return reject(431, "header_too_large", fmt::format("more than {} header fields", limits_.maxHeaderFields), ec);
  }
  if (headerBytes_ > limits_.maxHeaderBytes) {
    return reject(431, "header_too_large", fmt::format("the request header exceeds {} bytes", limits_.maxHeaderBytes), ec);
  }
  const std::string_view v(value.data(), value.size());
  switch (name) {
    case http::field::host: ++hostCount_; break;
    case http::field::transfer_encoding:
      // Only plain "chunked" is framing we understand; anything else could be read
      // differently by the next hop (RFC 9112 6.1 asks for a 400).
      transferEncoding_ = true;
      if (!iequals(trim(v), "chunked")) {
        return reject(400, "bad_framing", fmt::format("unsupported Transfer-Encoding \"{}\"", v), ec);
      }
      break;
    case http::field::expect:
      if (iequals(trim(v), "100-continue")) expectContinue_ = true;
      else return reject(400, "bad_expect", fmt::format("unsupported Expect \"{}\"", v), ec);
      break;
    case http::field::keep_alive: return;  // hop-by-hop, and keep-alive is the parser's business
    case http::field::connection:
      if (plainConnectionValue(v)) return;  // names no other hop-by-hop field
      break;
    default: break;
  }
  request_.headers.add(std::string_view(nameText.data(), nameText.size()), v);
}

void RequestParser::on_header_impl(error_code& ec) {
  headerDone_ = true;
  if (hostCount_ > 1) return reject(400, "bad_host", "more than one Host header", ec);
  if (!absoluteHost_.empty()) {
    request_.headers.set("Host", absoluteHost_);
  } else if (hostCount_ == 0 && version_ == 11) {
    return reject(400, "bad_host", "HTTP/1.1 requests need a Host header", ec);
  }
  if (transferEncoding_ && version_ == 10) {
    return reject(400, "bad_framing", "Transfer-Encoding in an HTTP/1.0 request", ec);
  }
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) {
  // Up to the size at which the session streams instead.
  if (length) request_.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*length, limits_.streamBodiesAbove)));
}

std::size_t RequestParser::on_body_impl(boost::beast::string_view body, error_code&) {
  bodyReceived_ += body.size();
  if (streaming_) {
    if (sink_) sink_->write(std::string_view(body.data(), body.size()));
  } else {
    request_.body.append(body.data(), body.size());
  }
  return body.size();
}

void RequestParser::on_chunk_header_impl(std::uint64_t, boost::beast::string_view, error_code&) {}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, boost::beast::string_view body, error_code& ec) {
  return on_body_impl(body, ec);
}

void RequestParser::on_finish_impl(error_code&) {}

}  // namespace gateway::net
