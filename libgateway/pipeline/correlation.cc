#include "libgateway/pipeline/correlation.h"

#include <algorithm>


namespace gateway {

namespace {
bool isLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
bool allZero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}
constexpr char kHex[] = "0123456789abcdef";

// Writes `digits` lower-case hex digits of v (most significant first) at `out`.
void putHex(char* out, std::uint64_t v, int digits) {
  for (int i = digits - 1; i >= 0; --i) {
    out[i] = kHex[v & 0xf];
    v >>= 4;
  }
}

std::string hex(Random& random, int digits) {
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int done = 0; done < digits; done += 16) putHex(out.data() + done, random.next(), std::min(16, digits - done));
  if (allZero(out)) out.back() = '1';
  return out;
}
}  // namespace

std::string TraceParent::str() const {
  std::string out;
  out.reserve(55);
  out += "00-";
  out += traceId;
  out += '-';
  out += parentId;
  out += '-';
  out += flags;
  return out;
}

bool validCorrelationId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

std::string newCorrelationId(Random& random) {
  const std::uint64_t a = random.next(), b = random.next();
  // RFC 9562 version 4 layout: version nibble 4, variant bits 10.
  const std::uint64_t hi = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  const std::uint64_t lo = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  std::string out(36, '-');
  putHex(out.data(), hi >> 32, 8);
  putHex(out.data() + 9, (hi >> 16) & 0xffff, 4);
  putHex(out.data() + 14, hi & 0xffff, 4);
  putHex(out.data() + 19, lo >> 48, 4);
  putHex(out.data() + 24, lo & 0xffffffffffffULL, 12);
  return out;
}

std::optional<TraceParent> parseTraceParent(std::string_view h) {
  // version "00": exactly 55 characters. Later versions may append fields after a '-'.
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  const auto version = h.substr(0, 2);
  if (!isLowerHex(version) || version == "ff") return std::nullopt;
  if (version == "00" && h.size() != 55) return std::nullopt;
  if (h.size() > 55 && h[55] != '-') return std::nullopt;
  TraceParent tp{std::string(h.substr(3, 32)), std::string(h.substr(36, 16)), std::string(h.substr(53, 2))};
  if (!isLowerHex(tp.traceId) || !isLowerHex(tp.parentId) || !isLowerHex(tp.flags)) return std::nullopt;
  if (allZero(tp.traceId) || allZero(tp.parentId)) return std::nullopt;
  return tp;
}

TraceParent childTraceParent(const std::optional<TraceParent>& parent, Random& random) {
  if (parent) return TraceParent{parent->traceId, hex(random, 16), parent->flags};
  return TraceParent{hex(random, 32), hex(random, 16), "01"};
}

}  // namespace gateway
