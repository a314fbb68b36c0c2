// A bounded cache of verified tokens (Envoy's jwt_authn cache): the exact token text maps to
// its claims until the token expires, so a client that repeats its token pays for one
// signature check. Keys are whole tokens compared byte for byte (never a hash alone: a
// collision would be an authentication bypass). Bounded by entry count; when full, the
// oldest entry of a shard is dropped. Thread-safe (sharded mutexes); shared by every worker.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "libgateway/auth/jwt_claims.h"

namespace gateway {

class JwtCache {
 public:
  // `maxEntries` 0 disables the cache.
  explicit JwtCache(std::size_t maxEntries);

  // The claims of `token` if it is cached and `unixNow` is before its `validUntil`. Times are
  // Unix microseconds.
  std::shared_ptr<const JwtClaims> find(std::string_view token, std::int64_t unixNow);
  // Caches `token` until `validUntil` (exclusive).
  void insert(std::string_view token, std::shared_ptr<const JwtClaims> claims, std::int64_t validUntil);

  std::size_t size() const;
  std::uint64_t hits() const;
  std::uint64_t misses() const;

 private:
  static constexpr std::size_t kShards = 16;
  struct Entry {
    std::shared_ptr<const JwtClaims> claims;
    std::int64_t validUntil = 0;
  };
  struct TokenHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Entry, TokenHash, std::equal_to<>> entries;
    std::deque<std::string> order;  // insertion order, for eviction
    std::uint64_t hits = 0, misses = 0;
  };
  Shard& shardOf(std::string_view token);

  std::size_t perShard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace gateway
