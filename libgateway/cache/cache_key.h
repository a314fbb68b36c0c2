// The response cache's keys and Vary matching. A key is the request's method class (HEAD
// shares GET's entries), its normalised path, its query with the parameters sorted, the
// values of the route's vary_headers, and the caller's identity when the gateway identified
// one: two consumers never share an entry. A stored answer also records the request's
// values of the fields its Vary names; a later request matches that variant only when its
// own values are the same (`Vary: *` is never stored, so never matches). Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libgateway/http/headers.h"

namespace gateway {

// "b=2&a=1&&c" -> "a=1&b=2&c": parameters sorted as they are written (no decoding), empty
// ones dropped.
std::string sortedQuery(std::string_view query);

// A request field as the cache compares it: every field of that name, OWS-trimmed, joined
// with ", "; nullopt when there is none (absent differs from empty).
std::optional<std::string> comparableField(const Headers& headers, std::string_view name);

struct CacheKeyParts {
  std::string_view method;     // GET or HEAD (HEAD is keyed as GET)
  std::string_view path;       // normalised
  std::string_view query;      // as it came (sorted here)
  const Headers* headers = nullptr;
  const std::vector<std::string>* varyHeaders = nullptr;  // lower-case names
  std::string_view identity;   // "" for an anonymous caller
};
// Each part is written with its length first, so two different requests never share a key
// (the route's field names are the same for every key of a route and are left out).
std::string cacheKey(const CacheKeyParts& parts);

// The request's values of the fields a response's Vary names.
struct VaryCapture {
  bool any = false;  // Vary: * (never stored)
  std::vector<std::pair<std::string, std::optional<std::string>>> fields;  // lower-case name, value
  std::size_t bytes() const;
};
VaryCapture captureVary(const Headers& response, const Headers& request);
bool varyMatches(const VaryCapture& stored, const Headers& request);

}  // namespace gateway
