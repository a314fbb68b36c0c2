// An aggregation route's compiled settings, from the route's "aggregate" field (the route
// has no "service"; libgateway/README.md, "Aggregation"):
//   "aggregate": {"timeout_ms": 2000, "partial": "allow", "status_key": "_parts",
//                 "max_part_bytes": 1048576,
//                 "parts": [{"name": "user", "service": "users", "path": "/users/{id}",
//                            "merge": true, "deny": ["email"]},
//                           {"name": "orders", "service": "orders", "path": "/orders?userId={id}",
//                            "group": "orders", "allow": ["orders[].id"], "timeout_ms": 500}]}
// The loader resolves service names against the config being loaded and compiles each part's
// CallTarget there: the runtime built from that config numbers its services in the same
// order, so a target is valid for exactly the runtime of its own config (a reload brings new
// targets with the new config; requests in flight keep the config they started on).
// Immutable after load; shared like the Config that holds it.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/aggregate/part_template.h"
#include "libgateway/config/route_extension.h"
#include "libgateway/pipeline/upstream_call.h"
#include "libgateway/transform/field_rules.h"

namespace gateway {

enum class PartialPolicy { kAllow, kFail };

inline constexpr std::size_t kMaxAggregateParts = 32;
inline constexpr std::size_t kDefaultMaxPartBytes = 1024 * 1024;
inline constexpr std::size_t kMaxPartBytesLimit = 64 * 1024 * 1024;
inline constexpr Duration kDefaultAggregateTimeout = seconds(5);

struct AggregatePart {
  std::string name;
  std::string service;           // its name
  std::size_t serviceIndex = 0;  // in Config::services
  PartTemplate path;
  bool merge = false;            // into the top level; else nested under `group`
  std::string group;
  FieldRules rules;              // allow / deny / rename on its answer
  bool optional = false;         // its failure leaves the answer complete (still reported)
  std::optional<Duration> timeout;     // the part's own call deadline (never beyond the route's)
  std::vector<std::size_t> dependsOn;  // parts whose answers its path reads (sorted, unique)
  std::vector<std::size_t> dependents; // parts that read its answer
  CallTarget target;             // its upstream call: GET, the route's retry and Host settings
};

struct AggregateSpec final : RouteExtension {
  std::string route;             // the route's name (counters)
  Duration timeout = kDefaultAggregateTimeout;  // the whole answer's deadline
  PartialPolicy partial = PartialPolicy::kAllow;
  std::string statusKey = "_parts";
  std::size_t maxPartBytes = kDefaultMaxPartBytes;
  std::vector<AggregatePart> parts;  // config order: the merge order

  // What the parts' targets refer to (kept here, so they live as long as the targets).
  std::optional<RetryConfig> retry;
  std::optional<std::string> hostRewrite;
  std::string hiddenKeyField;
};

// Reads a route's "aggregate" value (`path` is its JSON pointer); every problem goes to
// `errors` with its path. Beyond the shape: unknown services, placeholders the route cannot
// fill (a capture its match template lacks, an unknown part), dependency cycles, a part
// timeout beyond the route's, a route that answers other methods than GET and HEAD, and key
// collisions knowable from allow lists (two merged parts, or a merged part and a group or the
// status key, that would write the same top-level name).
std::shared_ptr<const RouteExtension> loadAggregate(const nlohmann::json& value, const std::string& path,
                                                    const RouteExtensionContext& context, FieldErrors& errors);

}  // namespace gateway
