// Limits and timeouts of the HTTP server side, with NGINX/Envoy-like defaults, and the
// answer given to a request that breaks one. Plain values; no Boost.
#pragma once

#include <cstddef>
#include <string>

#include "libgateway/core/time.h"

namespace gateway::net {

struct HttpLimits {
  std::size_t maxUrlBytes = 8 * 1024;       // longer request target: 414
  std::size_t maxHeaderBytes = 32 * 1024;   // all fields together: 431
  std::size_t maxHeaderFields = 100;        // more fields: 431
  std::size_t maxBodyBytes = 1024 * 1024;   // larger body: 413
  // A request body longer than this (or of unknown length, once it passes this) is streamed
  // to the upstream as it arrives instead of being held whole.
  std::size_t streamBodiesAbove = 32 * 1024;
  std::size_t maxPipelined = 16;            // requests read ahead of their responses
  Duration headerTimeout = seconds(10);     // first byte to end of header: 408
  Duration bodyTimeout = seconds(30);       // end of header to end of body: 408
  Duration idleTimeout = seconds(60);       // keep-alive connection with nothing to do
  Duration writeTimeout = seconds(30);      // one response write
  Duration lingerTimeout = seconds(2);      // reading leftovers after our final response
};

// Why a request was refused, as the HTTP answer to give.
struct RequestFailure {
  int status = 400;
  std::string code;     // "uri_too_long", "bad_framing", ...
  std::string message;  // for the client and the log
};

}  // namespace gateway::net
