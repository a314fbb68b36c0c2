// Authorization of an authenticated caller for a route: every scope the route requires must be
// granted, and when the route lists roles, the caller must hold one of them. Also renders the
// RFC 6750 WWW-Authenticate challenges. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libgateway/config/config.h"

namespace gateway {

struct AuthorizationDecision {
  bool allowed = true;
  std::string missingScopes;  // space-separated, for the challenge's scope parameter
  bool missingRole = false;
  std::string description;    // for error_description
};

AuthorizationDecision authorize(const RouteAuthConfig& route, const std::vector<std::string>& scopes,
                                const std::vector<std::string>& roles);

// `Bearer realm="gateway"` plus error, error_description and scope when not empty. The
// description must be fixed text (never request content): RFC 6750 3 restricts its characters.
std::string bearerChallenge(std::string_view error = {}, std::string_view description = {},
                            std::string_view scope = {});

}  // namespace gateway
