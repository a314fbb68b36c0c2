// Route settings that belong to a stage rather than to the core ("response_headers": {...}):
// the stage's own loader reads its field of each route, and the result rides on RouteConfig
// at the stage's slot, so a new stage adds its config without touching the route loader.
// Loaders are listed with their stages (pipeline/stage_list.cc). Loaded values are immutable
// and shared like the Config that holds them.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "libgateway/config/json_reader.h"

namespace gateway {

// A stage's compiled settings for one route; the stage casts it back to its own type.
class RouteExtension {
 public:
  virtual ~RouteExtension() = default;
};

struct Config;
struct RouteConfig;

// What a loader may look at besides its field: the config loaded so far (services, rate
// limits, consumers and auth come before routes) and the route's other fields.
struct RouteExtensionContext {
  const Config& config;
  const RouteConfig& route;
};

struct RouteExtensionLoader {
  std::string_view field;  // the route's JSON field the stage owns; empty: none
  // Reads the field's value (at JSON pointer `path`); every problem goes to `errors` with
  // its path. Returns null when the value is unusable.
  std::shared_ptr<const RouteExtension> (*load)(const nlohmann::json& value, const std::string& path,
                                                const RouteExtensionContext& context, FieldErrors& errors) = nullptr;
  // The field makes its stage the route's terminal (an aggregation): a route that sets it
  // has no "service" or "split" of its own.
  bool terminal = false;
};

// The loaders of the standard stages, by stage slot (defined in pipeline/stage_list.cc).
std::span<const RouteExtensionLoader> routeExtensionLoaders();

}  // namespace gateway
