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
  std::uint64_t next();
  // Uniform in [0, bound); bound > 0. Unbiased (Lemire's method).
  std::uint64_t uniform(std::uint64_t bound);
  // Uniform in [0, 1).
  double unit();
  // True with probability p.
  bool chance(double p) { return unit() < p; }

  // UniformRandomBitGenerator, for <random> distributions.
  using result_type = std::uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return UINT64_MAX; }
  result_type operator()() { return next(); }

 private:
  std::uint64_t seed_;
  std::uint64_t s_[4];
};

// 64-bit FNV-1a followed by a splitmix64 finaliser: stable across runs and platforms,
// used for stream derivation and consistent hashing.
std::uint64_t stableHash(std::string_view bytes, std::uint64_t salt = 0);
std::uint64_t mix64(std::uint64_t x);

}  // namespace gateway
