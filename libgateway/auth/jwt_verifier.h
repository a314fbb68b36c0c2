// Verifies JWS compact tokens (RFC 7515/7519) against configured keys: parse, pick the key by
// `kid` (or try every key when the token names none), check the algorithm against that key's
// allow-list, verify the signature, then the claims (exp, nbf with leeway, iss, aud). Verified
// tokens are cached until they expire. Takes the current Unix time as a parameter; never reads
// a clock. Thread-safe: immutable apart from the (thread-safe) cache; one per compiled config.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "libgateway/auth/jwt_cache.h"
#include "libgateway/auth/jwt_claims.h"
#include "libgateway/config/config.h"

namespace gateway {

enum class JwtFailure {
  kNone,
  kMalformed,      // not three base64url segments of JSON, or unsupported header features
  kAlgorithm,      // "none", unknown, or not on the selected key's allow-list
  kUnknownKey,     // the kid names no configured key
  kSignature,      // no candidate key verifies the signature
  kMissingClaim,   // exp required but absent
  kExpired,
  kNotYetValid,
  kIssuer,
  kAudience,
};

std::string_view toString(JwtFailure failure);

struct JwtVerdict {
  std::shared_ptr<const JwtClaims> claims;  // set when the token is valid
  JwtFailure failure = JwtFailure::kNone;
  // Fixed text for WWW-Authenticate's error_description: never echoes token content.
  std::string_view description;
  bool cached = false;  // answered from the cache
  bool ok() const { return claims != nullptr; }
};

class JwtVerifier {
 public:
  explicit JwtVerifier(const JwtConfig& config);

  // `unixNow`: the current time in Unix microseconds.
  JwtVerdict verify(std::string_view token, std::int64_t unixNow) const;

  const JwtCache& cache() const { return cache_; }

 private:
  JwtVerdict verifyUncached(std::string_view token, std::int64_t unixNow) const;

  const JwtConfig& config_;
  mutable JwtCache cache_;
};

}  // namespace gateway
