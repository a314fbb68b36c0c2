// HTTP caching directives, parsed (RFC 9111 section 5): Cache-Control on responses and on
// requests, Expires and Date (HTTP-dates, RFC 9110 5.6.7), Age, Pragma. Pure functions on
// header values; no clock is read (times are passed in). The response cache's policy
// (cache_policy.h) decides with them.
//
// Parsing is strict where being wrong would serve what must not be served: a directive's
// name is case-insensitive; a duplicated delta-seconds directive keeps its smallest value; a
// delta-seconds value that is not a number counts as 0 (stale at once); one too large to
// represent counts as 2^31 s (RFC 9111 1.2.2); a qualified `private="..."` or
// `no-cache="..."` counts as the unqualified directive (the cache does not store a response
// with some fields removed). Unknown directives are ignored.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "libgateway/http/headers.h"

namespace gateway {

// Delta-seconds cap (RFC 9111 1.2.2).
inline constexpr std::int64_t kMaxDeltaSeconds = std::int64_t{1} << 31;

struct CacheDirectives {
  bool noStore = false;
  bool noCache = false;
  bool isPrivate = false;
  bool isPublic = false;
  bool mustRevalidate = false;   // must-revalidate or proxy-revalidate
  bool onlyIfCached = false;
  std::optional<std::int64_t> maxAge;   // seconds
  std::optional<std::int64_t> sMaxAge;  // seconds
  std::optional<std::int64_t> staleWhileRevalidate;
  std::optional<std::int64_t> staleIfError;
};

// One Cache-Control field value ("max-age=60, public"); `into` accumulates, so several
// fields combine as one list.
void parseCacheControl(std::string_view value, CacheDirectives& into);
// Every Cache-Control field of `headers`.
CacheDirectives cacheDirectives(const Headers& headers);

// An HTTP-date (IMF-fixdate, or the obsolete RFC 850 and asctime forms) as Unix seconds, or
// nullopt when it is not one.
std::optional<std::int64_t> parseHttpDate(std::string_view value);

// The Age field's value in seconds: nullopt when absent, 0 when not a number (ignored),
// capped at kMaxDeltaSeconds.
std::optional<std::int64_t> ageSeconds(const Headers& headers);

// What a request asks of the cache (honoured when the route respects Cache-Control).
struct RequestCacheControl {
  bool noStore = false;   // neither served from the cache nor stored: a bypass
  bool noCache = false;   // not served from the cache (no-cache, max-age=0, Pragma: no-cache)
  std::optional<std::int64_t> maxAge;  // a stored answer older than this is not served
};
RequestCacheControl requestCacheControl(const Headers& headers);

}  // namespace gateway
