#include "libgateway/auth/jwt_cache.h"

#include "libgateway/core/random.h"

namespace gateway {

JwtCache::JwtCache(std::size_t maxEntries) : perShard_(maxEntries == 0 ? 0 : (maxEntries + kShards - 1) / kShards) {}

JwtCache::Shard& JwtCache::shardOf(std::string_view token) {
  // The signature is the tail of a token: its last bytes are as good as random.
  const std::string_view tail = token.size() > 16 ? token.substr(token.size() - 16) : token;
  return shards_[stableHash(tail) % kShards];
}

std::shared_ptr<const JwtClaims> JwtCache::find(std::string_view token, std::int64_t unixNow) {
  if (perShard_ == 0) return nullptr;
  Shard& s = shardOf(token);
  std::lock_guard lock(s.mutex);
  auto it = s.entries.find(token);
  if (it == s.entries.end() || unixNow >= it->second.validUntil) {
    ++s.misses;
    return nullptr;
  }
  ++s.hits;
  return it->second.claims;
}

void JwtCache::insert(std::string_view token, std::shared_ptr<const JwtClaims> claims, std::int64_t validUntil) {
  if (perShard_ == 0) return;
  Shard& s = shardOf(token);
  std::lock_guard lock(s.mutex);
  auto [it, inserted] = s.entries.try_emplace(std::string(token));
  it->second = Entry{std::move(claims), validUntil};
  if (!inserted) return;
  s.order.emplace_back(token);
  while (s.entries.size() > perShard_) {
    s.entries.erase(s.order.front());
    s.order.pop_front();
  }
}

std::size_t JwtCache::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.entries.size();
  }
  return n;
}

std::uint64_t JwtCache::hits() const {
  std::uint64_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.hits;
  }
  return n;
}

std::uint64_t JwtCache::misses() const {
  std::uint64_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.misses;
  }
  return n;
}

}  // namespace gateway
