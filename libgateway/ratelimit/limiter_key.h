// Hashing of rate-limit keys (consumer id, API key hash, client address...) to the 64 bits
// a LimiterStore keeps instead of the key itself. Pure functions, thread-safe.
// Collisions: two distinct keys share a hash with probability ~2^-64, so among n live keys
// the chance of any collision is about n^2 / 2^65 (1e6 keys: 3e-8; 1e8 keys: 3e-4); a
// collision makes two clients share one limit, it never crashes or leaks.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace gateway {

namespace detail {
inline std::uint64_t mum(std::uint64_t a, std::uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}
inline std::uint64_t read64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline std::uint64_t read32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
}  // namespace detail

// A wyhash-style multiply-mix hash, 16 bytes per step. Stable within a build of the toolkit
// on one architecture (little-endian reads); do not persist it across versions.
inline std::uint64_t hashLimiterKey(std::string_view key, std::uint64_t seed = 0) {
  using detail::mum;
  constexpr std::uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL,
                          k2 = 0x8ebc6af09c88c6e3ULL;
  const char* p = key.data();
  std::size_t n = key.size();
  std::uint64_t h = seed ^ mum(seed ^ k0, k1);
  while (n > 16) {
    h = mum(detail::read64(p) ^ k1, detail::read64(p + 8) ^ h);
    p += 16;
    n -= 16;
  }
  std::uint64_t a = 0, b = 0;
  if (n >= 8) {
    a = detail::read64(p);
    b = detail::read64(p + n - 8);
  } else if (n >= 4) {
    a = detail::read32(p);
    b = detail::read32(p + n - 4);
  } else if (n > 0) {
    const auto u = [](char c) { return static_cast<std::uint64_t>(static_cast<unsigned char>(c)); };
    a = (u(p[0]) << 16) | (u(p[n >> 1]) << 8) | u(p[n - 1]);
  }
  return mum(k2 ^ key.size(), mum(a ^ k1, b ^ h));
}

}  // namespace gateway
