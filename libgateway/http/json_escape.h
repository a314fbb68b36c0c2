// JSON string escaping shared by every writer of JSON text (error bodies, access log lines):
// '"' and '\\' are backslash-escaped, control characters, DEL and bytes that are not valid
// UTF-8 become \u00XX (so a line is always valid JSON), valid UTF-8 passes through. Runs that
// need no escaping are found eight bytes at a time. Pure functions, no state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace gateway {

namespace json_detail {

// Length of the valid UTF-8 sequence starting at s[i], or 0.
inline std::size_t utf8Length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const std::size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

// Whether any of 8 bytes is a control character, '"', '\\', DEL or non-ASCII (SWAR).
inline bool needsEscape8(const char* p) {
  std::uint64_t x;
  std::memcpy(&x, p, 8);
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  const auto hasZero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  const std::uint64_t below0x20 = (x - kOnes * 0x20) & ~x & kHigh;
  return ((x & kHigh) | below0x20 | hasZero(x ^ (kOnes * '"')) | hasZero(x ^ (kOnes * '\\')) |
          hasZero(x ^ (kOnes * 0x7F))) != 0;
}

}  // namespace json_detail

// Calls put(const char* data, std::size_t n) with the escaped text of `s`, without quotes.
// The output is at most 6 bytes per input byte.
template <class Put>
void escapeJson(std::string_view s, Put&& put) {
  std::size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run that needs no escaping in one go (the common case: all of it).
    std::size_t run = i;
    while (run + 8 <= s.size() && !json_detail::needsEscape8(s.data() + run)) run += 8;
    while (run < s.size()) {
      const auto c = static_cast<unsigned char>(s[run]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7F) break;
      ++run;
    }
    if (run > i) put(s.data() + i, run - i);
    i = run;
    if (i == s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      const char escaped[2] = {'\\', static_cast<char>(c)};
      put(escaped, 2);
      ++i;
    } else if (const std::size_t n = c >= 0x80 ? json_detail::utf8Length(s, i) : 0; n > 0) {
      put(s.data() + i, n);
      i += n;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      const char escaped[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      put(escaped, 6);
      ++i;
    }
  }
}

// Appends `s` as a JSON string literal, quotes included.
inline void appendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  escapeJson(s, [&out](const char* p, std::size_t n) { out.append(p, n); });
  out.push_back('"');
}

}  // namespace gateway
