#include "libgateway/http/path_normalize.h"

#include <array>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "libgateway/http/percent_encoding.h"

namespace gateway {

namespace {

constexpr bool control(unsigned char c) { return c <= 0x20 || c == 0x7F; }

// Characters that send a path down the slow road: encodings to decode or refuse, and the
// characters refused outright.
constexpr bool special(unsigned char c) { return c == '%' || c == ';' || c == '#' || c == '\\' || control(c); }

// True when the path is already canonical: nothing to decode or refuse, no "//", no "."
// or ".." segment. Most paths stop here without a copy.
bool alreadyCanonical(std::string_view path) {
  const std::size_t n = path.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(path[i]);
    if (special(c)) return false;
    if (c == '/' && i + 1 < n && (path[i + 1] == '/' || path[i + 1] == '.')) return false;
  }
  return true;
}

// Decodes unreserved characters and upper-cases the hex digits of the encodings it keeps;
// refuses what no upstream may be left to interpret. Returns the error, empty when accepted.
std::string decode(std::string_view path, std::string& out) {
  out.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    const auto c = static_cast<unsigned char>(path[i]);
    if (c == '%') {
      const int h = i + 1 < path.size() ? hexDigitValue(path[i + 1]) : -1;
      const int l = i + 2 < path.size() ? hexDigitValue(path[i + 2]) : -1;
      if (h < 0 || l < 0) return fmt::format("malformed percent-encoding at byte {} of the path", i);
      const auto v = static_cast<unsigned char>(h * 16 + l);
      if (v == '/' || v == '\\') {
        return fmt::format("an encoded {} (%{:02X}) at byte {} of the path; encoded slashes are refused",
                           v == '/' ? "slash" : "backslash", v, i);
      }
      if (v == ';') return fmt::format("an encoded ';' (%3B) at byte {} of the path; path parameters are refused", i);
      if (unreservedChar(v)) {
        out.push_back(static_cast<char>(v));
      } else {
        out += fmt::format("%{:02X}", v);
      }
      i += 2;
      continue;
    }
    if (c == ';') return fmt::format("a ';' at byte {} of the path; path parameters are refused", i);
    if (c == '#') return fmt::format("a '#' at byte {} of the path; a request must not carry a fragment", i);
    if (c == '\\') return fmt::format("a backslash at byte {} of the path", i);
    if (control(c)) return fmt::format("a control character or space (0x{:02X}) at byte {} of the path", c, i);
    out.push_back(static_cast<char>(c));
  }
  return {};
}

}  // namespace

PathNormalization normalizePath(std::string_view path) {
  PathNormalization result;
  if (path.empty() || path.front() != '/' || alreadyCanonical(path)) return result;

  std::string decoded;
  result.error = decode(path, decoded);
  if (!result.ok()) return result;

  // Empty segments are merged away first, then "." and ".." removed (RFC 3986 5.2.4); a path
  // whose last segment is empty, "." or ".." ends with '/'.
  std::vector<std::string_view> segments;
  bool trailingSlash = false;
  std::string_view rest = std::string_view(decoded).substr(1);
  while (true) {
    const auto slash = rest.find('/');
    const std::string_view seg = rest.substr(0, slash);
    const bool last = slash == std::string_view::npos;
    if (seg == "..") {
      if (segments.empty()) {
        result.error = "the path climbs above the root with '..'";
        return result;
      }
      segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    if (last) {
      trailingSlash = seg.empty() || seg == "." || seg == "..";
      break;
    }
    rest.remove_prefix(slash + 1);
  }

  std::string out;
  out.reserve(decoded.size());
  for (const auto seg : segments) {
    out.push_back('/');
    out.append(seg);
  }
  if (out.empty() || trailingSlash) out.push_back('/');
  result.changed = out != path;
  if (result.changed) result.value = std::move(out);
  return result;
}

namespace {

// What one byte of a target means to the fast scan below.
enum : unsigned char { kPlain, kSlow, kSlash, kQuery };

constexpr std::array<unsigned char, 256> targetClasses() {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = special(static_cast<unsigned char>(c)) ? kSlow : kPlain;
  }
  t['/'] = kSlash;
  t['?'] = kQuery;
  return t;
}

constexpr std::array<unsigned char, 256> kTargetClass = targetClasses();

// One pass with a table lookup per byte: true when the target's path is already canonical
// and it carries no '#' (the answer for almost every request).
bool canonicalTarget(std::string_view target) {
  const char* p = target.data();
  const std::size_t n = target.size();
  if (n == 0 || p[0] != '/') return false;
  std::size_t i = 0;
  for (; i < n; ++i) {
    const unsigned char k = kTargetClass[static_cast<unsigned char>(p[i])];
    if (k == kPlain) continue;
    if (k == kSlash) {
      if (i + 1 < n && (p[i + 1] == '/' || p[i + 1] == '.')) return false;
      continue;
    }
    if (k == kQuery) break;
    return false;
  }
  return i == n || std::memchr(p + i, '#', n - i) == nullptr;
}

}  // namespace

PathNormalization normalizeTarget(std::string_view target) {
  if (canonicalTarget(target)) return {};
  if (const auto hash = target.find('#'); hash != std::string_view::npos) {
    PathNormalization refused;
    refused.error = fmt::format("a '#' at byte {} of the request target; a request must not carry a fragment", hash);
    return refused;
  }
  const auto q = target.find('?');
  PathNormalization result = normalizePath(target.substr(0, q));
  if (result.changed && q != std::string_view::npos) result.value.append(target.substr(q));
  return result;
}

}  // namespace gateway
