#include "libgateway/auth/jwt_claims.h"

#include <algorithm>

namespace gateway {

bool JwtClaims::hasScope(const std::string& scope) const {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

bool JwtClaims::hasRole(const std::string& role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

}  // namespace gateway
