// base64url without padding (RFC 4648 section 5), as JWS compact serialization uses it.
// Decoding is strict: no padding, no whitespace, no stray bits in the last character, so
// one byte string has exactly one encoding. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gateway {

std::string encodeBase64Url(std::string_view bytes);
// nullopt when `text` is not canonical unpadded base64url.
std::optional<std::string> decodeBase64Url(std::string_view text);

}  // namespace gateway
