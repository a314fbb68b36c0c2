// Request and Response as plain values, shared by the real server (which converts from
// Beast messages at the edge) and the simulator. Bodies are buffered strings here; the
// network layer enforces size limits before a message reaches the core.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "libgateway/http/headers.h"

namespace gateway {

struct Request {
  std::string method = "GET";
  // The request target as received: path plus optional "?query".
  std::string target = "/";
  Headers headers;
  std::string body;
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
};

// "Not Found" for 404 etc.; "Unknown" for codes we never produce.
std::string_view reasonPhrase(int status);

// A gateway-generated JSON error: {"error": {"status": 404, "code": "...", "message": "..."}},
// with Content-Type set.
Response errorResponse(int status, std::string_view code, std::string_view message);

// Appends `s` as a JSON string literal (quoted, escaped) to `out`.
void appendJsonString(std::string& out, std::string_view s);

}  // namespace gateway
