// One key that can verify JWS signatures: an HMAC secret, or an RSA (>= 2048 bits), EC P-256 /
// P-384 or Ed25519 public key, with the algorithms it may be used with (its allow-list).
// The allow-list is checked against the key's type when the key is made, so an HMAC
// algorithm can never be paired with a public key (the HS/RS confusion attack) and "none"
// cannot be named at all. Immutable after construction; copies share the OpenSSL objects;
// verify() is thread-safe (each call uses its own OpenSSL contexts).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/auth/jwt_algorithm.h"
#include "libgateway/config/json_reader.h"

namespace gateway {

class JwtKey {
 public:
  // Each returns nullopt with `error` set when the key or its algorithms are unusable.
  static std::optional<JwtKey> fromSecret(std::string kid, std::string_view secret,
                                          std::vector<JwtAlgorithm> algorithms, std::string& error);
  // A PEM "PUBLIC KEY" (SubjectPublicKeyInfo).
  static std::optional<JwtKey> fromPem(std::string kid, std::string_view pem, std::vector<JwtAlgorithm> algorithms,
                                       std::string& error);
  // A JWK (RFC 7517): kty RSA (n, e), EC (crv P-256/P-384, x, y), oct (k) or OKP (crv Ed25519, x).
  // Its "alg", when present, is the only algorithm allowed; otherwise every algorithm of the
  // key's type. Errors are recorded under `path`.
  static std::optional<JwtKey> fromJwk(const nlohmann::json& jwk, const std::string& path, FieldErrors& errors);

  const std::string& kid() const { return kid_; }
  JwtKeyType type() const { return type_; }
  const std::vector<JwtAlgorithm>& algorithms() const { return algorithms_; }
  bool allows(JwtAlgorithm algorithm) const;

  // True when `signature` (raw bytes, as decoded from the token) is valid for `signingInput`
  // under `algorithm`; false for a bad signature or an algorithm this key does not allow.
  bool verify(JwtAlgorithm algorithm, std::string_view signingInput, std::string_view signature) const;

  struct Material;  // the OpenSSL objects (jwt_key.cc)

 private:
  JwtKey() = default;
  static std::optional<JwtKey> make(std::string kid, JwtKeyType type, std::vector<JwtAlgorithm> algorithms,
                                    std::shared_ptr<Material> material, std::string& error);

  std::string kid_;
  JwtKeyType type_ = JwtKeyType::kHmac;
  std::vector<JwtAlgorithm> algorithms_;
  std::shared_ptr<const Material> material_;
};

// Every algorithm that a key of `type` can verify.
std::vector<JwtAlgorithm> algorithmsFor(JwtKeyType type);

}  // namespace gateway
