#include "libgateway/net/http_wire.h"

#include "libgateway/http/host_port.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>

#include <charconv>
#include <chrono>
#include <ctime>

#include "libgateway/http/headers.h"

namespace gateway::net {

namespace {

void appendNumber(std::string& out, std::uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void appendField(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ", 2);
  out.append(value);
  out.append("\r\n", 2);
}

// Framing is ours to write; these never pass through from a message's own fields.
bool isFramingField(std::string_view name) {
  switch (name.size()) {
    case 10: return iequals(name, "connection") || iequals(name, "keep-alive");
    case 14: return iequals(name, "content-length");
    case 17: return iequals(name, "transfer-encoding");
    default: return false;
  }
}

// Reason phrases the core does not name (it answers "Unknown" for them); upstreams send any.
std::string_view reason(int status) {
  const std::string_view core = reasonPhrase(status);
  if (core != "Unknown") return core;
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 303: return "See Other";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 402: return "Payment Required";
    case 406: return "Not Acceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 451: return "Unavailable For Legal Reasons";
    case 501: return "Not Implemented";
    case 505: return "HTTP Version Not Supported";
    case 507: return "Insufficient Storage";
    case 511: return "Network Authentication Required";
    default: return status >= 100 && status < 600 ? std::string_view("Status") : core;
  }
}

bool bodyMethod(std::string_view method) { return method == "POST" || method == "PUT" || method == "PATCH"; }

}  // namespace

bool responseHasNoBody(int status, bool headRequest) {
  return headRequest || (status >= 100 && status < 200) || status == 204 || status == 304;
}

void writeResponseHead(std::string& out, const Response& response, const ResponseFraming& framing) {
  out.append("HTTP/1.1 ", 9);
  appendNumber(out, static_cast<std::uint64_t>(response.status));
  out.push_back(' ');
  out.append(reason(response.status));
  out.append("\r\n", 2);
  bool hasDate = false;
  std::optional<std::string_view> headLength;
  for (const Headers::Field f : response.headers) {
    if (isFramingField(f.name)) {
      if (framing.headRequest && !headLength && iequals(f.name, "content-length")) headLength = f.value;
      continue;
    }
    if (!hasDate && f.name.size() == 4 && iequals(f.name, "date")) hasDate = true;
    appendField(out, f.name, f.value);
  }
  if (!hasDate) appendField(out, "Date", httpDate());
  const bool informational = response.status < 200 || response.status == 204 || response.status == 304;
  if (!informational) {
    if (framing.headRequest) {
      // A HEAD answer describes the body a GET would get: the upstream's length, or the
      // length of the body a local handler produced.
      if (headLength) {
        appendField(out, "Content-Length", *headLength);
      } else if (!response.body.empty()) {
        out.append("Content-Length: ", 16);
        appendNumber(out, response.body.size());
        out.append("\r\n", 2);
      }
    } else if (!response.stream) {
      out.append("Content-Length: ", 16);
      appendNumber(out, response.body.size());
      out.append("\r\n", 2);
    } else if (const auto length = response.stream->length()) {
      out.append("Content-Length: ", 16);
      appendNumber(out, *length);
      out.append("\r\n", 2);
    } else if (framing.chunked) {
      out.append("Transfer-Encoding: chunked\r\n", 28);
    }
  }
  if (framing.close) out.append("Connection: close\r\n", 19);
  else if (framing.keepAliveHttp10) out.append("Connection: keep-alive\r\n", 24);
  out.append("\r\n", 2);
}

void writeRequestHead(std::string& out, const Request& request, std::string_view defaultHost) {
  out.append(request.method);
  out.push_back(' ');
  out.append(request.target);
  out.append(" HTTP/1.1\r\n", 11);
  bool hasHost = false;
  for (const Headers::Field f : request.headers) {
    if (isFramingField(f.name) || (f.name.size() == 6 && iequals(f.name, "expect"))) continue;
    if (!hasHost && f.name.size() == 4 && iequals(f.name, "host")) hasHost = true;
    appendField(out, f.name, f.value);
  }
  if (!hasHost) appendField(out, "Host", defaultHost);
  if (request.stream) {
    if (const auto length = request.stream->length()) {
      out.append("Content-Length: ", 16);
      appendNumber(out, *length);
      out.append("\r\n", 2);
    } else {
      out.append("Transfer-Encoding: chunked\r\n", 28);
    }
  } else if (!request.body.empty() || bodyMethod(request.method)) {
    out.append("Content-Length: ", 16);
    appendNumber(out, request.body.size());
    out.append("\r\n", 2);
  }
  out.append("\r\n", 2);
}

std::string_view httpDate() {
  thread_local std::time_t cachedSecond = -1;
  thread_local char text[32];
  thread_local std::size_t length = 0;
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  if (now != cachedSecond) {
    cachedSecond = now;
    std::tm tm{};
    gmtime_r(&now, &tm);
    length = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  }
  return std::string_view(text, length);
}

bool splitHostPort(std::string_view address, std::string& host, std::uint16_t& port, std::string& error) {
  const auto parts = gateway::splitHostPort(address, error);
  if (!parts) return false;
  const auto [h, p] = *parts;
  if (h.empty()) {
    error = "the host is empty";
    return false;
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (p.empty() || ec != std::errc() || end != p.data() + p.size() || value > 65535) {
    error = "port \"" + std::string(p) + "\" is not a number in 0-65535";
    return false;
  }
  host = std::string(h);
  port = static_cast<std::uint16_t>(value);
  return true;
}

long sendHeadAndBody(int fd, std::string_view head, std::string_view body, std::size_t offset) {
  iovec iov[2];
  int count = 0;
  if (offset < head.size()) {
    iov[count++] = {const_cast<char*>(head.data()) + offset, head.size() - offset};
    if (!body.empty()) iov[count++] = {const_cast<char*>(body.data()), body.size()};
  } else {
    const std::size_t skip = offset - head.size();
    iov[count++] = {const_cast<char*>(body.data()) + skip, body.size() - skip};
  }
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = static_cast<std::size_t>(count);
  while (true) {
    const ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    return static_cast<long>(n);
  }
}

}  // namespace gateway::net
