// Loading of the routes section: match (path kind, methods, hosts, headers), the backend
// service or weighted split, strip_prefix / rewrite, the upstream Host (preserve_host,
// host_rewrite), timeout, rate_limit, auth and retry. Needs the services, auth and
// rate_limits already loaded (routes refer to them). Every problem is reported with its JSON
// path (config_loader.h drives it). Free function.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "libgateway/config/config.h"
#include "libgateway/config/json_reader.h"
#include "libgateway/config/rate_limit_loader.h"

namespace gateway {

// Appends the routes of `list` (a JSON array) to config.routes.
void loadRoutes(const nlohmann::json& list, const std::string& path, const DeclaredLimits& declared, Config& config,
                FieldErrors& errors);

}  // namespace gateway
