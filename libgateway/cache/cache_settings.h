// A route's response-cache settings: its "cache" field, compiled. The loader reports every
// problem with its JSON path. Field by field (libgateway/README.md, "Response cache"):
//   "cache": {"ttl_s": 300, "statuses": [200], "content_types": ["application/json"],
//             "vary_headers": ["Accept-Language"], "respect_cache_control": false,
//             "stale_while_revalidate_s": 0, "stale_if_error_s": 0,
//             "coalesce": true, "coalesce_timeout_ms": 5000,
//             "max_bytes": 67108864, "max_entries": 100000, "max_entry_bytes": 1048576,
//             "header_style": "x-cache"}
#pragma once

#include <bitset>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "libgateway/config/route_extension.h"
#include "libgateway/core/time.h"

namespace gateway {

enum class CacheHeaderStyle { kXCache, kKong };

struct CacheSettings final : RouteExtension {
  Duration ttl = seconds(300);
  std::bitset<600> statuses;                 // cacheable statuses (200, 203, 204, 301, 404, 410)
  std::vector<std::string> contentTypes;     // lower-case "type/subtype" or "type/*"; empty: any
  std::vector<std::string> varyHeaders;      // lower-case request fields in the key
  bool respectCacheControl = false;
  Duration staleWhileRevalidate = 0;
  Duration staleIfError = 0;
  bool coalesce = true;
  Duration coalesceTimeout = millis(5000);
  std::size_t maxBytes = 64u << 20;
  std::size_t maxEntries = 100'000;
  std::size_t maxEntryBytes = 1u << 20;
  CacheHeaderStyle headerStyle = CacheHeaderStyle::kXCache;

  CacheSettings();
  bool operator==(const CacheSettings& other) const;
  // Whether the route's key carries the request field `lowerName`.
  bool varies(std::string_view lowerName) const;
};

// Reads a route's "cache" value (`path` is its JSON pointer).
std::shared_ptr<const RouteExtension> loadCacheSettings(const nlohmann::json& value, const std::string& path,
                                                        const RouteExtensionContext& context, FieldErrors& errors);

}  // namespace gateway
