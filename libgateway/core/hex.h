// Bytes as lower-case hexadecimal text (digests in Redis keys and EVALSHA). Pure function.
#pragma once

#include <string>
#include <string_view>

namespace gateway {

inline void appendHex(std::string& out, std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (const unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
}

}  // namespace gateway
