// Authentication and authorization of a request, and the identity it carries upstream.
//  - API key (the header named by auth.api_key_header): compared by SHA-256 digest; the
//    runtime never keeps or logs a key in plain text. A present but unknown key is 401.
//  - JWT (Authorization: Bearer) on routes whose auth accepts "jwt": verified by JwtVerifier
//    (signature, algorithm allow-list, exp/nbf, iss, aud); an invalid token is 401 with
//    WWW-Authenticate: Bearer error="invalid_token" (RFC 6750). `sub` names the consumer
//    through consumers[].jwt_subject.
//  - A route with "auth" requires a credential (unless optional): none is 401 with the
//    challenges of the accepted methods; missing scopes or roles are 403 insufficient_scope.
//  - Routes without "auth" stay open: an API key still identifies the consumer (rate-limit
//    tiers); Authorization headers pass through unread.
// X-User-ID, X-Consumer and X-Role are always removed from the client's request and set by
// the gateway when it knows them. Sets Exchange::consumer, ::tier, ::userId, ::authMethod.
// One filter per Gateway (thread); keys and the verifier live in the shared runtime.
#pragma once

#include <string>
#include <string_view>

#include "libgateway/pipeline/exchange.h"

namespace gateway {

inline constexpr std::string_view kUserIdHeader = "X-User-ID";
inline constexpr std::string_view kConsumerHeader = "X-Consumer";
inline constexpr std::string_view kRoleHeader = "X-Role";

// SHA-256 of `key` as 32 raw bytes.
std::string apiKeyDigest(std::string_view key);

class ConsumerFilter final : public RequestFilter {
 public:
  std::optional<Response> onRequest(Exchange& exchange) override;
};

}  // namespace gateway
