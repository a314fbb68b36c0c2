// HTTP/1.1 message heads as bytes: the status line or request line, the fields and our own
// framing (Content-Length, Connection), written into a caller's reusable string. Bodies are
// sent as a separate buffer, never copied. Also the cached IMF-fixdate for Date, and
// "host:port" parsing. Pure functions except httpDate's per-thread cache; no Boost.
#pragma once

#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <string_view>

#include "libgateway/http/message.h"

namespace gateway::net {

struct ResponseFraming {
  bool headRequest = false;    // a response to HEAD: framing fields, no body
  bool close = false;          // "Connection: close", the connection ends after it
  bool keepAliveHttp10 = false;  // an HTTP/1.0 client asked for keep-alive
  bool chunked = false;        // a streamed body of unknown length, sent chunked
};

// Appends the response head (status line, fields, Date if missing, the body's framing unless
// the status forbids a body, Connection). Framing fields in `response` are replaced by ours:
// Content-Length of the whole body or of a stream that knows its length, else (`chunked`)
// Transfer-Encoding: chunked, else nothing (the body ends when the connection closes).
void writeResponseHead(std::string& out, const Response& response, const ResponseFraming& framing);

// True when a response with this status to this request carries no body (1xx, 204, 304, HEAD).
bool responseHasNoBody(int status, bool headRequest);

// Appends an HTTP/1.1 request head for an upstream: Host is kept (or set to `defaultHost`),
// Content-Length framed from the body (or a streamed body's known length; chunked when it is
// unknown), and Expect dropped (the gateway has already accepted the body).
void writeRequestHead(std::string& out, const Request& request, std::string_view defaultHost);

// The current time as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), recomputed at most
// once a second per thread.
std::string_view httpDate();

// One sendmsg() of what is left of head + body after `offset` bytes already went out,
// retried on EINTR. Returns the bytes written, or -1 with errno set (EAGAIN: socket full).
long sendHeadAndBody(int fd, std::string_view head, std::string_view body, std::size_t offset);

// What one recvInto() found.
enum class RecvStep {
  kMore,        // bytes read, and the socket may hold more
  kDrained,     // bytes read, and a short read says the socket is empty for now
  kEof,         // the peer closed its side
  kWouldBlock,  // nothing to read now (EAGAIN)
  kError,       // errno says why
};

// One recv() of up to `chunk` bytes into `buffer` (a Beast dynamic buffer), retried on EINTR:
// the step shared by the server's and the upstream client's read loops, which differ only in
// what they do with it. A peer that has finished (`peerFin`, from EPOLLRDHUP) is read on
// after a short read, so its EOF is seen.
template <class DynamicBuffer>
RecvStep recvInto(int fd, DynamicBuffer& buffer, std::size_t chunk, bool peerFin) {
  while (true) {
    const auto space = buffer.prepare(chunk);
    const ssize_t n = ::recv(fd, space.data(), space.size(), 0);
    if (n > 0) {
      buffer.commit(static_cast<std::size_t>(n));
      return static_cast<std::size_t>(n) < space.size() && !peerFin ? RecvStep::kDrained : RecvStep::kMore;
    }
    if (n == 0) return RecvStep::kEof;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK ? RecvStep::kWouldBlock : RecvStep::kError;
  }
}

// Splits "host:port" or "[v6]:port". False with a message naming the problem.
bool splitHostPort(std::string_view address, std::string& host, std::uint16_t& port, std::string& error);

}  // namespace gateway::net
