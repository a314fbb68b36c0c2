// Seeded randomness for the core: xoshiro256** with splitmix64 seeding.
// A Random is not thread-safe; give each thread (each Gateway) its own. Independent
// streams are derived by name (`stream("client/free")`), so adding one subsystem never
// changes the numbers another one draws (FoundationDB/TigerBeetle style).
#pragma once

#include <cstdint>
#include <string_view>

namespace gateway {

class Random {
 public:
  explicit Random(std::uint64_t seed = 0);

  // A new generator whose sequence depends only on this generator's seed and `name`.
  Random stream(std::string_view name) const;
  // A new generator derived from this seed and an index (instance 3 of a group).
  Random stream(std::string_view name, std::uint64_t index) const;

  std::uint64_t seed() const { return seed_; }
  // Inline: the simulator draws several numbers per request.
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, bound); bound > 0. Unbiased (Lemire's method).
  std::uint64_t uniform(std::uint64_t bound) {
    // Multiply-shift, rejecting the small biased zone.
    unsigned __int128 m = static_cast<unsigned __int128>(next()) * bound;
    auto low = static_cast<std::uint64_t>(m);
    if (low < bound) {
      const std::uint64_t threshold = -bound % bound;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(next()) * bound;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }
  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // True with probability p.
  bool chance(double p) { return unit() < p; }

  // UniformRandomBitGenerator, for <random> distributions.
  using result_type = std::uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return UINT64_MAX; }
  result_type operator()() { return next(); }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  std::uint64_t seed_;
  std::uint64_t s_[4];
};

// 64-bit FNV-1a followed by a splitmix64 finaliser: stable across runs and platforms,
// used for stream derivation and consistent hashing.
std::uint64_t stableHash(std::string_view bytes, std::uint64_t salt = 0);
inline std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace gateway
