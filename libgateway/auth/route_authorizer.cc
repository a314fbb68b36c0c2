#include "libgateway/auth/route_authorizer.h"

#include <algorithm>

namespace gateway {

AuthorizationDecision authorize(const RouteAuthConfig& route, const std::vector<std::string>& scopes,
                                const std::vector<std::string>& roles) {
  AuthorizationDecision d;
  for (const auto& s : route.scopes) {
    if (std::find(scopes.begin(), scopes.end(), s) != scopes.end()) continue;
    if (!d.missingScopes.empty()) d.missingScopes += ' ';
    d.missingScopes += s;
  }
  if (!route.roles.empty()) {
    d.missingRole = std::none_of(route.roles.begin(), route.roles.end(), [&](const std::string& r) {
      return std::find(roles.begin(), roles.end(), r) != roles.end();
    });
  }
  d.allowed = d.missingScopes.empty() && !d.missingRole;
  if (!d.missingScopes.empty()) {
    d.description = "the credentials lack a required scope";
  } else if (d.missingRole) {
    d.description = "the credentials lack a required role";
  }
  return d;
}

std::string bearerChallenge(std::string_view error, std::string_view description, std::string_view scope) {
  std::string out = "Bearer realm=\"gateway\"";
  if (!error.empty()) {
    out += ", error=\"";
    out += error;
    out += '"';
  }
  if (!description.empty()) {
    out += ", error_description=\"";
    out += description;
    out += '"';
  }
  if (!scope.empty()) {
    out += ", scope=\"";
    out += scope;
    out += '"';
  }
  return out;
}

}  // namespace gateway
