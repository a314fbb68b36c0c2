// Percent-encoding (RFC 3986 2.1, 2.3): the hex digits, the unreserved set, and encoding and
// decoding a value. Shared by the path normaliser and the aggregation's part paths. Pure
// functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace gateway {

// 0-15 for a hex digit (either case), else -1.
constexpr int hexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 3986 2.3: ALPHA / DIGIT / "-" / "." / "_" / "~".
constexpr bool unreservedChar(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// Appends `value` percent-encoded: every byte but A-Z a-z 0-9 - . _ ~ as %XX.
void appendPercentEncoded(std::string& out, std::string_view value);
// Decodes %XX (a malformed escape stays as it is); with `plusIsSpace`, '+' is a space (a query).
std::string percentDecode(std::string_view value, bool plusIsSpace);

}  // namespace gateway
