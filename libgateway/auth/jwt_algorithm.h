// JWS signature algorithms (RFC 7518 section 3, RFC 8037 for EdDSA) that the gateway verifies.
// "none" is deliberately absent: it never parses to an algorithm. Pure values; thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace gateway {

enum class JwtAlgorithm { kHS256, kHS384, kHS512, kRS256, kRS384, kRS512, kPS256, kPS384, kPS512, kES256, kES384, kEdDSA };

// What kind of key an algorithm needs.
enum class JwtKeyType { kHmac, kRsa, kEcP256, kEcP384, kEd25519 };

std::optional<JwtAlgorithm> parseJwtAlgorithm(std::string_view name);
std::string_view toString(JwtAlgorithm algorithm);
JwtKeyType keyTypeOf(JwtAlgorithm algorithm);
std::string_view toString(JwtKeyType type);
// SHA-2 digest name for OpenSSL ("SHA256"); empty for EdDSA (which hashes internally).
std::string_view digestOf(JwtAlgorithm algorithm);
// Minimum HMAC secret length in bytes (RFC 7518 3.2: at least the hash output size).
std::size_t minimumSecretBytes(JwtAlgorithm algorithm);

}  // namespace gateway
