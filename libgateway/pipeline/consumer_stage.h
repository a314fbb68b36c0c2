// Authentication and authorization of a request, and the identity it carries upstream.
//  - API key (the header named by auth.api_key_header): compared by SHA-256 digest; the
//    shared runtime keeps only digests and nothing logs a key. Each worker remembers up to
//    kKnownKeys keys it has seen match (as Kong's credential cache does), so a known key costs
//    a hash-table lookup instead of a SHA-256; unknown keys are never remembered, and the
//    memory is dropped when the config changes. A present but unknown key is 401.
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
// One stage per Gateway (thread); keys and the verifier live in the shared runtime.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

#include "libgateway/pipeline/exchange.h"
#include "libgateway/pipeline/stage.h"
#include "libgateway/pipeline/stage_list.h"

namespace gateway {

inline constexpr std::string_view kUserIdHeader = "X-User-ID";
inline constexpr std::string_view kConsumerHeader = "X-Consumer";
inline constexpr std::string_view kRoleHeader = "X-Role";

// SHA-256 of `key` as 32 raw bytes.
std::string apiKeyDigest(std::string_view key);

class ConsumerStage final : public Stage {
 public:
  static constexpr std::size_t kKnownKeys = 4096;

  ConsumerStage() : Stage(kRequest) {}

  std::optional<Response> onRequest(Exchange& exchange) override;

  // Its entry in the stage list.
  static StageSpec spec();

 private:
  const ConsumerConfig* consumerByKey(const std::shared_ptr<const GatewayRuntime>& runtime, std::string_view key);

  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  // The runtime knownKeys_ was filled from, held so its consumers stay valid and its address
  // cannot be reused by a newer one.
  std::shared_ptr<const GatewayRuntime> knownFor_;
  std::unordered_map<std::string, const ConsumerConfig*, KeyHash, std::equal_to<>> knownKeys_;
};

}  // namespace gateway
