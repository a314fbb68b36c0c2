#include "libgateway/core/random.h"

namespace gateway {

std::uint64_t stableHash(std::string_view bytes, std::uint64_t salt) {
  std::uint64_t h = 0xcbf29ce484222325ULL ^ mix64(salt);
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix64(h);
}

Random::Random(std::uint64_t seed) : seed_(seed) {
  std::uint64_t x = seed;
  for (auto& word : s_) {
    x += 0x9e3779b97f4a7c15ULL;
    word = mix64(x);
  }
}

Random Random::stream(std::string_view name) const { return Random(stableHash(name, seed_)); }

Random Random::stream(std::string_view name, std::uint64_t index) const {
  return Random(mix64(stableHash(name, seed_) ^ mix64(index + 1)));
}

}  // namespace gateway
