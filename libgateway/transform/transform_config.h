// A route's response transformation (Backend for Frontend), from its "transform" field:
//   "transform": {"select": {"header": "X-Client", "consumers": {"device-7": "iot"}, "tiers": {"free": "mobile"}},
//                 "default": "web", "max_body_bytes": 1048576,
//                 "profiles": {"mobile": {"allow": ["id", "orders[].id"], "rename": {"created_at": "created"},
//                                         "compress": {"min_bytes": 256, "encodings": ["br", "gzip"]}},
//                              "web": {}}}
// A profile is field rules (field_rules.h) and an optional compression; the profile of a
// request is chosen by the select header's value (a profile name), else by its consumer, else
// by its consumer's tier, else "default" (none: the response passes untouched). Loaded once,
// immutable, shared by every worker like the Config that holds it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "libgateway/config/route_extension.h"
#include "libgateway/transform/compression.h"
#include "libgateway/transform/field_rules.h"

namespace gateway {

inline constexpr std::size_t kDefaultTransformBodyBytes = 1024 * 1024;
inline constexpr std::size_t kMaxTransformBodyBytes = 64 * 1024 * 1024;
inline constexpr std::size_t kDefaultCompressMinBytes = 1024;

struct TransformProfile {
  std::string name;
  FieldRules fields;
  bool compress = false;
  std::size_t minBytes = kDefaultCompressMinBytes;  // smaller bodies are sent as they are
  std::vector<ContentCoding> encodings;             // in the gateway's order of preference
};

struct TransformRules final : RouteExtension {
  std::string route;         // the route's name, for counters
  std::string selectHeader;  // empty: no header selects
  std::vector<std::pair<std::string, std::size_t>> consumers;  // consumer id -> profile index
  std::vector<std::pair<std::string, std::size_t>> tiers;      // tier -> profile index
  std::optional<std::size_t> defaultProfile;
  std::vector<TransformProfile> profiles;
  std::size_t maxBodyBytes = kDefaultTransformBodyBytes;

  // The profile for a request: the header's value when it names a profile (case-insensitive;
  // any other value counts as absent), else the consumer's, else the tier's, else the default;
  // nullopt when none applies.
  std::optional<std::size_t> select(std::optional<std::string_view> headerValue, std::string_view consumer,
                                    std::string_view tier) const;
};

// Reads a route's "transform" value (`path` is its JSON pointer); consumers and tiers named
// in "select" must exist in the config loaded so far.
std::shared_ptr<const RouteExtension> loadTransformRules(const nlohmann::json& value, const std::string& path,
                                                         const RouteExtensionContext& context, FieldErrors& errors);

}  // namespace gateway
