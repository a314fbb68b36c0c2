// Request and Response as plain values, shared by the real server (which converts from
// Beast messages at the edge) and the simulator. A body is either whole (`body`) or streamed
// (`stream`, set only by the network layer for bodies too large to hold: body_stream.h);
// the network layer enforces size limits before a message reaches the core.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <memory>

#include "libgateway/http/body_stream.h"
#include "libgateway/http/headers.h"

namespace gateway {

struct Request {
  std::string method = "GET";
  // The request target as received: path plus optional "?query".
  std::string target = "/";
  Headers headers;
  std::string body;
  // When set, the body arrives through it and `body` is empty. Copies share the stream, and
  // only one of them may read it (a request that streams is not retried).
  std::shared_ptr<BodyStream> stream;
  // Client address as "ip" or "ip:port"; used for hashing and rate-limit keys.
  std::string clientAddress;

  std::string_view path() const;   // target up to '?'
  std::string_view query() const;  // after '?', without it; empty if none
  std::string_view host() const;   // Host header without port
  // clientAddress without the port: "1.2.3.4:5000" -> "1.2.3.4", "[::1]:5000" -> "::1"; a
  // bare IPv6 address ("::1") is kept whole.
  std::string_view clientIp() const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  std::shared_ptr<BodyStream> stream;  // as Request::stream
};

// "Not Found" for 404 etc.; "Unknown" for codes we never produce.
std::string_view reasonPhrase(int status);

// A gateway-generated JSON error: {"error": {"status": 404, "code": "...", "message": "..."}},
// with Content-Type set.
Response errorResponse(int status, std::string_view code, std::string_view message);

// Appends `s` as a JSON string literal (quoted, escaped) to `out`.
void appendJsonString(std::string& out, std::string_view s);

}  // namespace gateway
