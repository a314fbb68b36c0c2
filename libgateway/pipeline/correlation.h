// Request correlation: the X-Correlation-ID a client sent is kept when it is well-formed,
// otherwise a UUIDv4 is generated from the gateway's seeded Random; and a W3C traceparent
// (https://www.w3.org/TR/trace-context/) child span is made for the upstream call.
// Pure functions; the Random is the caller's (one per Gateway, so per thread).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "libgateway/core/random.h"

namespace gateway {

// Visible ASCII, 1 to 128 characters: anything else is replaced, never forwarded.
bool validCorrelationId(std::string_view id);
std::string newCorrelationId(Random& random);

struct TraceParent {
  std::string traceId;   // 32 lower-case hex digits, not all zero
  std::string parentId;  // 16 lower-case hex digits, not all zero
  std::string flags;     // 2 hex digits
  std::string str() const;
};

std::optional<TraceParent> parseTraceParent(std::string_view header);
// A child of `parent` (same trace id and flags, a new span id), or a new sampled trace.
TraceParent childTraceParent(const std::optional<TraceParent>& parent, Random& random);

}  // namespace gateway
