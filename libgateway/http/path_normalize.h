// Path normalisation: the one canonical form of a request path that the gateway routes,
// authorises, rate-limits and forwards, so a client cannot reach a route's upstream through a
// spelling the route does not see (`/%61dmin`, `//admin`, `/x/../admin`). The rules are in
// libgateway/README.md, "Path normalisation"; in short (RFC 3986 6.2.2, 5.2.4):
//   - percent-encoded unreserved characters are decoded (%41 -> A, %2e -> .), other
//     percent-encodings keep their encoding with upper-case hex digits (%c3 -> %C3);
//   - repeated slashes are merged, then "." and ".." segments are removed;
//   - refused (the request is answered 400 `bad_path`): a malformed percent-encoding, an
//     encoded slash or backslash (%2F, %5C), a raw backslash, a ';' or %3B (path
//     parameters), a '#' (a fragment), a control character or a ".." above the root.
// The query is never changed. Pure functions, no state: the Gateway applies them once,
// before the route match, so gatewayd and gwsim normalise alike.
#pragma once

#include <string>
#include <string_view>

namespace gateway {

struct PathNormalization {
  bool changed = false;  // `value` differs from the input
  std::string value;     // the normalised path (or target); set only when changed
  std::string error;     // empty when accepted; else what is wrong and where
  bool ok() const { return error.empty(); }
};

// Normalises a path (no query). A path that does not start with '/' (the "*" of
// "OPTIONS *") is left as it is.
PathNormalization normalizePath(std::string_view path);

// Normalises the path part of a request target ("/path?query") and keeps the query as it is.
// A '#' anywhere in the target is refused: a client must not send a fragment (RFC 9112 3.2).
PathNormalization normalizeTarget(std::string_view target);

}  // namespace gateway
