// Loading of the rate_limits section: scope, key store bounds, response headers, the tiers
// consumers belong to, the named policies routes stack, and the anonymous tier. Every problem
// is reported with its JSON path (config_loader.h drives it). Free functions.
#pragma once

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "libgateway/config/config.h"
#include "libgateway/config/json_reader.h"

namespace gateway {

// Tier and policy names declared in the document, valid or not: a reference to a tier or
// policy that has its own errors is not reported again as unknown.
struct DeclaredLimits {
  std::set<std::string> tiers;
  std::set<std::string> policies;
  // "free, premium"
  std::string tierNames() const;
};

// `fileDir`: the config file's folder (cluster.password_file is relative to it).
void loadRateLimits(const nlohmann::json& value, const std::string& path, const std::string& fileDir,
                    RateLimitsConfig& out, DeclaredLimits& declared, FieldErrors& errors);

}  // namespace gateway
