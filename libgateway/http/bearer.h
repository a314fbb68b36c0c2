// The credentials of "Authorization: Bearer <token>" (RFC 6750 2.1; the scheme is
// case-insensitive, RFC 9110 11.1). One reading for every place that looks at it: the identity
// stage, a route's hide_credentials and the admin token.
#pragma once

#include <optional>
#include <string_view>

namespace gateway {

// The token (spaces around it trimmed; possibly empty), or nullopt for another scheme.
std::optional<std::string_view> bearerToken(std::string_view authorization);

}  // namespace gateway
