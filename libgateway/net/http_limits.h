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
  // The first request's header is timed from the accept, a later one's from its first byte;
  // a connection that sent nothing closes silently after min(headerTimeout, idleTimeout).
  Duration headerTimeout = seconds(10);     // to the end of the header: 408
  // End of header to end of body: 408. Each byte of body received adds 1/minBodyRate s (as
  // Apache's RequestReadTimeout MinRate), so a body arriving at least that fast always
  // completes and a trickle cannot hold the connection; 0: the body timeout is a hard limit.
  // Time a streamed body waits for the upstream to take bytes does not count.
  Duration bodyTimeout = seconds(30);
  std::size_t minBodyRate = 500;            // bytes per second
  Duration idleTimeout = seconds(60);       // keep-alive connection with nothing to do
  // An answer's bytes not taken by the client for this long: the connection is reset.
  Duration writeTimeout = seconds(30);
  Duration lingerTimeout = seconds(2);      // reading leftovers after our final response
};

// Why a request was refused, as the HTTP answer to give.
struct RequestFailure {
  int status = 400;
  std::string code;     // "uri_too_long", "bad_framing", ...
  std::string message;  // for the client and the log
};

}  // namespace gateway::net
