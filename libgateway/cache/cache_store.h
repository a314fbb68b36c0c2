// The response cache's store for one route: entries by key, several variants per key (one
// per set of Vary values), bounded by bytes and by entries with least-recently-used
// eviction. Shared by every worker thread: the keys are spread over up to 16 shards, each
// with its own lock, LRU list and an even share of both bounds (so the order is LRU within
// a shard; a small store has one shard and is exactly LRU). Entries are immutable and
// shared: an answer being sent keeps its entry alive after an eviction or a purge.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "libgateway/cache/cache_policy.h"

namespace gateway {

class CacheStore {
 public:
  using Entry = std::shared_ptr<const CachedResponse>;
  static constexpr std::size_t kMaxVariants = 8;  // per key; a ninth replaces the oldest

  struct Limits {
    std::size_t maxBytes = 64u << 20;
    std::size_t maxEntries = 100'000;
    std::size_t maxEntryBytes = 1u << 20;  // sizes the shards: each holds at least four
    std::size_t shards = 0;                // 0: chosen from the bounds (1 to 16)
  };
  explicit CacheStore(const Limits& limits);
  CacheStore(const CacheStore&) = delete;
  CacheStore& operator=(const CacheStore&) = delete;

  // The variant of `key` whose Vary values match `request`, now the most recently used; null
  // when there is none.
  Entry find(std::string_view key, const Headers& request);
  // Stores `entry` under `key`, replacing the variant with the same Vary values, then evicts
  // the least recently used entries of its shard until the shard is within its bounds.
  // False (nothing stored) when the entry alone is larger than a shard's byte bound.
  bool insert(const std::string& key, Entry entry);
  // Removes `entry` from `key` if it is still stored (a dead entry found by a lookup).
  void erase(std::string_view key, const CachedResponse* entry);

  // Purges: every entry, those of one path (every query, variant and consumer), or those
  // whose path starts with `prefix`. Each returns how many entries it removed and moves the
  // epoch on, so that a fill begun before it does not store its answer.
  std::size_t purgeAll();
  std::size_t purgePath(std::string_view path);
  std::size_t purgePrefix(std::string_view prefix);
  std::uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }

  std::size_t entries() const { return static_cast<std::size_t>(entries_.load(std::memory_order_relaxed)); }
  std::size_t bytes() const { return static_cast<std::size_t>(bytes_.load(std::memory_order_relaxed)); }
  std::uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }
  std::size_t shardCount() const { return shards_.size(); }
  const Limits& limits() const { return limits_; }

 private:
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Node;
  using Lru = std::list<Node>;
  using Index = std::unordered_map<std::string, std::vector<Lru::iterator>, KeyHash, std::equal_to<>>;
  struct Node {
    Entry entry;
    Index::value_type* slot = nullptr;  // its key's slot (element pointers survive rehashing)
  };
  struct Shard {
    std::mutex mutex;
    Lru lru;  // most recently used first
    Index index;
    std::size_t bytes = 0;
    std::size_t entries = 0;
  };

  Shard& shardOf(std::string_view key) { return *shards_[KeyHash{}(key) % shards_.size()]; }
  void remove(Shard& shard, Lru::iterator node);
  template <class Pred>
  std::size_t purgeIf(Pred pred);

  Limits limits_;
  std::size_t shardBytes_ = 0;
  std::size_t shardEntries_ = 0;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<std::int64_t> entries_{0};
  std::atomic<std::int64_t> bytes_{0};
  std::atomic<std::uint64_t> evictions_{0};
  std::atomic<std::uint64_t> epoch_{0};
};

}  // namespace gateway
