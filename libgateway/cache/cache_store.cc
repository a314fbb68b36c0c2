#include "libgateway/cache/cache_store.h"

#include <algorithm>

namespace gateway {

namespace {

std::size_t chooseShards(const CacheStore::Limits& l) {
  if (l.shards > 0) return std::min<std::size_t>(l.shards, 64);
  // At least 256 entries and four of the largest entries per shard.
  const std::size_t byEntries = l.maxEntries / 256;
  const std::size_t byBytes = l.maxBytes / (4 * std::max<std::size_t>(l.maxEntryBytes, 1));
  return std::clamp<std::size_t>(std::min(byEntries, byBytes), 1, 16);
}

bool sameVariant(const VaryCapture& a, const VaryCapture& b) { return a.any == b.any && a.fields == b.fields; }

}  // namespace

CacheStore::CacheStore(const Limits& limits) : limits_(limits) {
  const std::size_t n = chooseShards(limits);
  // Rounded down: the shards together never hold more than the bounds.
  shardBytes_ = limits.maxBytes / n;
  shardEntries_ = std::max<std::size_t>(limits.maxEntries / n, 1);
  for (std::size_t i = 0; i < n; ++i) shards_.push_back(std::make_unique<Shard>());
}

CacheStore::Entry CacheStore::find(std::string_view key, const Headers& request) {
  Shard& shard = shardOf(key);
  std::lock_guard lock(shard.mutex);
  const auto it = shard.index.find(key);
  if (it == shard.index.end()) return nullptr;
  for (const Lru::iterator node : it->second) {
    if (varyMatches(node->entry->vary, request)) {
      shard.lru.splice(shard.lru.begin(), shard.lru, node);
      return node->entry;
    }
  }
  return nullptr;
}

void CacheStore::remove(Shard& shard, Lru::iterator node) {
  Index::value_type* slot = node->slot;
  auto& variants = slot->second;
  variants.erase(std::find(variants.begin(), variants.end(), node));
  shard.bytes -= node->entry->bytes;
  --shard.entries;
  bytes_.fetch_sub(static_cast<std::int64_t>(node->entry->bytes), std::memory_order_relaxed);
  entries_.fetch_sub(1, std::memory_order_relaxed);
  shard.lru.erase(node);
  if (variants.empty()) shard.index.erase(shard.index.find(std::string_view(slot->first)));
}

bool CacheStore::insert(const std::string& key, Entry entry) {
  if (!entry || entry->bytes > shardBytes_) return false;
  Shard& shard = shardOf(key);
  std::lock_guard lock(shard.mutex);
  auto [it, added] = shard.index.try_emplace(key);
  auto& variants = it->second;
  for (const Lru::iterator node : variants) {
    if (sameVariant(node->entry->vary, entry->vary)) {
      const auto delta = static_cast<std::int64_t>(entry->bytes) - static_cast<std::int64_t>(node->entry->bytes);
      shard.bytes = static_cast<std::size_t>(static_cast<std::int64_t>(shard.bytes) + delta);
      bytes_.fetch_add(delta, std::memory_order_relaxed);
      node->entry = std::move(entry);
      shard.lru.splice(shard.lru.begin(), shard.lru, node);
      entry = nullptr;
      break;
    }
  }
  if (entry) {
    if (variants.size() >= kMaxVariants) remove(shard, variants.front());  // the key keeps its slot
    shard.bytes += entry->bytes;
    ++shard.entries;
    bytes_.fetch_add(static_cast<std::int64_t>(entry->bytes), std::memory_order_relaxed);
    entries_.fetch_add(1, std::memory_order_relaxed);
    shard.lru.push_front(Node{std::move(entry), &*it});
    variants.push_back(shard.lru.begin());
  }
  // The newest entry is at the front and fits alone: eviction stops before it.
  while ((shard.bytes > shardBytes_ || shard.entries > shardEntries_) && shard.lru.size() > 1) {
    remove(shard, std::prev(shard.lru.end()));
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
  return true;
}

void CacheStore::erase(std::string_view key, const CachedResponse* entry) {
  Shard& shard = shardOf(key);
  std::lock_guard lock(shard.mutex);
  const auto it = shard.index.find(key);
  if (it == shard.index.end()) return;
  for (const Lru::iterator node : it->second) {
    if (node->entry.get() == entry) return remove(shard, node);
  }
}

template <class Pred>
std::size_t CacheStore::purgeIf(Pred pred) {
  epoch_.fetch_add(1, std::memory_order_acq_rel);
  std::size_t purged = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard->mutex);
    for (auto node = shard->lru.begin(); node != shard->lru.end();) {
      const auto next = std::next(node);
      if (pred(*node->entry)) {
        remove(*shard, node);
        ++purged;
      }
      node = next;
    }
  }
  return purged;
}

std::size_t CacheStore::purgeAll() {
  return purgeIf([](const CachedResponse&) { return true; });
}

std::size_t CacheStore::purgePath(std::string_view path) {
  return purgeIf([path](const CachedResponse& e) { return e.path == path; });
}

std::size_t CacheStore::purgePrefix(std::string_view prefix) {
  return purgeIf([prefix](const CachedResponse& e) { return std::string_view(e.path).starts_with(prefix); });
}

}  // namespace gateway
