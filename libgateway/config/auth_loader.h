// Loading of the security parts of a config: auth.jwt (keys inline, from PEM files or a
// JWKS file; issuers, audiences, leeway, cache) and a route's auth requirement. Key files are
// read at load time, relative to `fileDir` (the config file's folder). Every problem is
// reported with its JSON path; key material is never echoed. Free functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "libgateway/config/config.h"
#include "libgateway/config/json_reader.h"

namespace gateway {

void loadJwt(const nlohmann::json& value, const std::string& path, const std::string& fileDir, JwtConfig& out,
             FieldErrors& errors);
// `jwtConfigured`: whether auth.jwt exists (a route cannot ask for JWTs otherwise).
void loadRouteAuth(const nlohmann::json& value, const std::string& path, bool jwtConfigured, RouteAuthConfig& out,
                   FieldErrors& errors);
// Parses a JWKS document ({"keys": [...]}) into keys; errors under `path`.
std::vector<JwtKey> loadJwks(const nlohmann::json& document, const std::string& path, FieldErrors& errors);

}  // namespace gateway
