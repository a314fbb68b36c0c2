// A non-blocking loopback client socket for tests that misbehave on purpose: it sends only
// what the socket takes now (to see back-pressure), waits for bytes or the peer's close
// without reading (to tell a reset from a graceful close while data is still unread), and
// splits a stream of pipelined responses. Every wait is bounded by its timeout.
// Not thread-safe; one owner.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tests/integration/http_client.h"

namespace gateway::testing {

class RawClient {
 public:
  // Connects to "127.0.0.1:port". `receiveBuffer` > 0 sets SO_RCVBUF before connecting, so
  // the kernel absorbs little of what a client that does not read is sent. ok() says whether
  // the connection was made.
  explicit RawClient(const std::string& address, int receiveBuffer = 0);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool ok() const { return fd_ >= 0; }
  // The client end's port.
  std::uint16_t localPort() const;
  // What the socket takes now, without waiting: 0 when it is full, -1 on an error.
  ssize_t sendSome(std::string_view bytes);
  // All of `bytes` within `timeout`; false on an error or timeout.
  bool sendAll(std::string_view bytes, std::chrono::milliseconds timeout = 5000ms);

  // Whether the socket takes bytes again within `timeout`.
  bool waitWritable(std::chrono::milliseconds timeout);

  enum class Event { kNothing, kData, kEof, kReset };
  // Waits up to `timeout` for the peer to end the connection, without reading: kReset, kEof
  // once both directions are shut, kNothing otherwise (a FIN behind unread data stays unseen
  // until the data is read; a reset does not).
  Event waitHangup(std::chrono::milliseconds timeout);
  // Reads what arrives within `timeout` into `in`: kData after some bytes, kEof, kReset, or
  // kNothing when the time passed.
  Event read(std::string& in, std::chrono::milliseconds timeout);
  // Reads until the peer closes or `timeout` passes: kEof, kReset or kNothing. Bytes in `in`.
  Event readToEnd(std::string& in, std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

// Takes one whole response (framed by Content-Length, or bodiless) off the front of `in`;
// nullopt while it is incomplete or when the front is not a response head.
std::optional<HttpReply> takeResponse(std::string& in);

}  // namespace gateway::testing
