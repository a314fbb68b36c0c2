// The request a gateway sends upstream, made from the client's: method, the given target,
// the client's fields without hop-by-hop ones (RFC 9110 7.6.1, and those named in
// Connection), X-Forwarded-For extended, X-Forwarded-Proto set if absent, the correlation id
// and the call's traceparent; Host as the client sent it or as the route rewrites it (an
// instance's own address is set per try by UpstreamCall); the route's accepted credentials
// left out when it hides them. Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libgateway/http/message.h"

namespace gateway {

// Removes hop-by-hop fields (RFC 9110 7.6.1), plus any named in Connection, which a proxy must
// not forward.
void removeHopByHopHeaders(Headers& headers);

struct UpstreamRequestParts {
  std::string_view correlationHeader;   // its name
  std::string_view correlationId;
  std::string_view traceParent;         // the call's child span
  const std::string* hostRewrite = nullptr;
  std::string_view hiddenKeyField;  // not sent upstream when set (a route's hide_credentials)
  bool hideBearer = false;          // an "Authorization: Bearer ..." field not sent upstream
};

// Fills `up` (a fresh Request) from `client` with `target` (moved from; null: the client's own
// target). The body is not copied: the caller moves it. `forwardedFor` and `hopNames` are the
// caller's reusable buffers.
void buildUpstreamRequest(const Request& client, std::string* target, const UpstreamRequestParts& parts, Request& up,
                          std::string& forwardedFor, std::vector<std::string_view>& hopNames);

}  // namespace gateway
