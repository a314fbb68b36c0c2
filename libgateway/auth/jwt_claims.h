// The claims of a verified JWT that the gateway uses: subject, issuer, audiences, the time
// claims (exp, nbf, iat in Unix seconds) and the scopes and roles that authorization reads
// from `scope` (space-separated), `scp` (array or space-separated) and `roles` (array or
// string). A plain immutable value once verified; shared between threads through the cache.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gateway {

struct JwtClaims {
  std::string subject;
  std::string issuer;
  std::vector<std::string> audiences;
  std::optional<std::int64_t> expires;    // exp
  std::optional<std::int64_t> notBefore;  // nbf
  std::optional<std::int64_t> issuedAt;   // iat
  std::vector<std::string> scopes;
  std::vector<std::string> roles;

  bool hasScope(const std::string& scope) const;
  bool hasRole(const std::string& role) const;
};

}  // namespace gateway
