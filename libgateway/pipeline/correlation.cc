#include "libgateway/pipeline/correlation.h"

#include <algorithm>
#include <cstring>


namespace gateway {

namespace {
bool isLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
bool allZero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}
constexpr char kHex[] = "0123456789abcdef";

// Two hex digits per byte value, so digits are written a pair at a time.
struct HexPairs {
  char text[512];
  constexpr HexPairs() : text() {
    for (int i = 0; i < 256; ++i) {
      text[2 * i] = kHex[i >> 4];
      text[2 * i + 1] = kHex[i & 0xf];
    }
  }
};
constexpr HexPairs kHexPairs;

// Writes `digits` lower-case hex digits of v (most significant first) at `out`.
void putHex(char* out, std::uint64_t v, int digits) {
  int i = digits;
  for (; i >= 2; i -= 2) {
    std::memcpy(out + i - 2, kHexPairs.text + 2 * (v & 0xff), 2);
    v >>= 8;
  }
  if (i == 1) out[0] = kHex[v & 0xf];
}

// `digits` random lower-case hex digits at `out`, not all zero.
void putRandomHex(char* out, Random& random, int digits) {
  for (int done = 0; done < digits; done += 16) putHex(out + done, random.next(), std::min(16, digits - done));
  if (allZero({out, static_cast<std::size_t>(digits)})) out[digits - 1] = '1';
}

// The 36 characters of a UUIDv4 at `out`.
void putUuid(char* out, Random& random) {
  const std::uint64_t a = random.next(), b = random.next();
  // RFC 9562 version 4 layout: version nibble 4, variant bits 10.
  const std::uint64_t hi = (a & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  const std::uint64_t lo = (b & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  putHex(out, hi >> 32, 8);
  out[8] = '-';
  putHex(out + 9, (hi >> 16) & 0xffff, 4);
  out[13] = '-';
  putHex(out + 14, hi & 0xffff, 4);
  out[18] = '-';
  putHex(out + 19, lo >> 48, 4);
  out[23] = '-';
  putHex(out + 24, lo & 0xffffffffffffULL, 12);
}
}  // namespace

void CorrelationId::assign(std::string_view id) {
  size_ = static_cast<std::uint8_t>(std::min(id.size(), kMaxSize));
  std::copy_n(id.data(), size_, data_.data());
}

void CorrelationId::generate(Random& random) {
  putUuid(data_.data(), random);
  size_ = 36;
}

bool validCorrelationId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

std::string newCorrelationId(Random& random) {
  std::string out(36, '-');
  putUuid(out.data(), random);
  return out;
}

std::optional<TraceParent> parseTraceParent(std::string_view h) {
  // version "00": exactly 55 characters. Later versions may append fields after a '-'.
  if (h.size() < 55 || h[2] != '-' || h[35] != '-' || h[52] != '-') return std::nullopt;
  const auto version = h.substr(0, 2);
  if (!isLowerHex(version) || version == "ff") return std::nullopt;
  if (version == "00" && h.size() != 55) return std::nullopt;
  if (h.size() > 55 && h[55] != '-') return std::nullopt;
  TraceParent tp;
  // Kept as version 00 (what we send on): the first 55 characters with the version rewritten.
  std::copy_n(h.data(), TraceParent::kSize, tp.text_.data());
  tp.text_[0] = tp.text_[1] = '0';
  tp.empty_ = false;
  if (!isLowerHex(tp.traceId()) || !isLowerHex(tp.parentId()) || !isLowerHex(tp.flags())) return std::nullopt;
  if (allZero(tp.traceId()) || allZero(tp.parentId())) return std::nullopt;
  return tp;
}

TraceParent childTraceParent(const std::optional<TraceParent>& parent, Random& random) {
  TraceParent child;
  char* t = child.text_.data();
  if (parent) {
    child.text_ = parent->text_;
  } else {
    std::copy_n("00-", 3, t);
    putRandomHex(t + 3, random, 32);
    t[35] = '-';
    t[52] = '-';
    t[53] = '0';
    t[54] = '1';  // sampled
  }
  putRandomHex(t + 36, random, 16);
  child.empty_ = false;
  return child;
}

}  // namespace gateway
