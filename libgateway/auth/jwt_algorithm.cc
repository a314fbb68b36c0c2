#include "libgateway/auth/jwt_algorithm.h"

#include <array>
#include <utility>

namespace gateway {

namespace {
constexpr std::array<std::pair<std::string_view, JwtAlgorithm>, 12> kNames = {{
    {"HS256", JwtAlgorithm::kHS256}, {"HS384", JwtAlgorithm::kHS384}, {"HS512", JwtAlgorithm::kHS512},
    {"RS256", JwtAlgorithm::kRS256}, {"RS384", JwtAlgorithm::kRS384}, {"RS512", JwtAlgorithm::kRS512},
    {"PS256", JwtAlgorithm::kPS256}, {"PS384", JwtAlgorithm::kPS384}, {"PS512", JwtAlgorithm::kPS512},
    {"ES256", JwtAlgorithm::kES256}, {"ES384", JwtAlgorithm::kES384}, {"EdDSA", JwtAlgorithm::kEdDSA},
}};
}  // namespace

std::optional<JwtAlgorithm> parseJwtAlgorithm(std::string_view name) {
  for (const auto& [n, a] : kNames) {
    if (n == name) return a;
  }
  return std::nullopt;
}

std::string_view toString(JwtAlgorithm algorithm) {
  for (const auto& [n, a] : kNames) {
    if (a == algorithm) return n;
  }
  return "unknown";
}

JwtKeyType keyTypeOf(JwtAlgorithm a) {
  switch (a) {
    case JwtAlgorithm::kHS256:
    case JwtAlgorithm::kHS384:
    case JwtAlgorithm::kHS512: return JwtKeyType::kHmac;
    case JwtAlgorithm::kRS256:
    case JwtAlgorithm::kRS384:
    case JwtAlgorithm::kRS512:
    case JwtAlgorithm::kPS256:
    case JwtAlgorithm::kPS384:
    case JwtAlgorithm::kPS512: return JwtKeyType::kRsa;
    case JwtAlgorithm::kES256: return JwtKeyType::kEcP256;
    case JwtAlgorithm::kES384: return JwtKeyType::kEcP384;
    case JwtAlgorithm::kEdDSA: return JwtKeyType::kEd25519;
  }
  return JwtKeyType::kHmac;
}

std::string_view toString(JwtKeyType type) {
  switch (type) {
    case JwtKeyType::kHmac: return "HMAC secret";
    case JwtKeyType::kRsa: return "RSA public key";
    case JwtKeyType::kEcP256: return "EC P-256 public key";
    case JwtKeyType::kEcP384: return "EC P-384 public key";
    case JwtKeyType::kEd25519: return "Ed25519 public key";
  }
  return "key";
}

std::string_view digestOf(JwtAlgorithm a) {
  switch (a) {
    case JwtAlgorithm::kHS256:
    case JwtAlgorithm::kRS256:
    case JwtAlgorithm::kPS256:
    case JwtAlgorithm::kES256: return "SHA256";
    case JwtAlgorithm::kHS384:
    case JwtAlgorithm::kRS384:
    case JwtAlgorithm::kPS384:
    case JwtAlgorithm::kES384: return "SHA384";
    case JwtAlgorithm::kHS512:
    case JwtAlgorithm::kRS512:
    case JwtAlgorithm::kPS512: return "SHA512";
    case JwtAlgorithm::kEdDSA: return "";
  }
  return "";
}

std::size_t minimumSecretBytes(JwtAlgorithm a) {
  switch (a) {
    case JwtAlgorithm::kHS256: return 32;
    case JwtAlgorithm::kHS384: return 48;
    case JwtAlgorithm::kHS512: return 64;
    default: return 0;
  }
}

}  // namespace gateway
