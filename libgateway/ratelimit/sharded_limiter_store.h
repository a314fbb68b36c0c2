// The LimiterStore implementation for one algorithm type: shards (power of two) chosen by
// the low bits of the key hash, each an open-addressing table (linear probing, backward-shift
// deletion, load <= 3/4) of {hash, lastSeen, state} behind its own ShardLock. Thread-safe.
// Entries are 32 bytes for the counter-style algorithms: 43 bytes per key at capacity.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "libgateway/ratelimit/limiter_store.h"
#include "libgateway/ratelimit/shard_lock.h"

namespace gateway {

namespace detail {
// Tables start on a cache line, so a 32-byte slot never straddles two lines.
template <class T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{64})); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t{64}); }
  template <class U>
  bool operator==(const CacheLineAllocator<U>&) const { return true; }
};
}  // namespace detail

template <class Algorithm>
class ShardedLimiterStore final : public LimiterStore {
 public:
  using State = typename Algorithm::State;

  ShardedLimiterStore(const LimiterSpec& spec, Algorithm algorithm, const LimiterStoreOptions& options)
      : LimiterStore(spec), algorithm_(std::move(algorithm)), idleTimeout_(options.idleTimeout) {
    maxKeys_ = options.maxKeys > 0 ? options.maxKeys : 1;
    std::int64_t shards = 1;
    while (shards * 2 <= options.shards && shards * 2 <= maxKeys_ / 64) shards *= 2;
    shardCount_ = shards;
    mask_ = static_cast<std::uint64_t>(shards - 1);
    shards_ = std::make_unique<Shard[]>(static_cast<std::size_t>(shards));
    for (std::int64_t i = 0; i < shards; ++i) {
      Shard& s = shards_[i];
      s.capacity = maxKeys_ / shards + (i < maxKeys_ % shards ? 1 : 0);
      s.maxSlots = static_cast<std::size_t>(s.capacity + s.capacity / 3 + 1);
      s.slots.resize(std::min<std::size_t>(s.maxSlots, 8));
    }
  }

  const Algorithm& algorithm() const { return algorithm_; }

  LimitDecision decideHashed(std::uint64_t keyHash, TimePoint now, std::int64_t cost = 1) override {
    const std::uint64_t hash = keyHash ? keyHash : 1;  // 0 marks an empty slot
    Shard& s = shards_[hash & mask_];
    std::lock_guard<ShardLock> guard(s.lock);
    Slot* slot = find(s, hash);
    // One named result built in place: a decision assembled in a temporary and copied out
    // costs a store-forwarding stall (~3 ns of the hot-key decision, bench/ratelimit_bench.cc).
    LimitDecision d = slot != nullptr ? algorithm_.acquire(slot->state, now, cost) : decideUnknown(s, hash, now, cost);
    if (slot != nullptr && cost > 0) {  // a query neither counts nor refreshes the key
      if (now > slot->lastSeen) slot->lastSeen = now;
      ++(d.allowed ? s.allowed : s.denied);
    }
    return d;
  }

  void releaseHashed(std::uint64_t keyHash, TimePoint now, std::int64_t cost = 1) override {
    if constexpr (requires(const Algorithm& a, State& st, TimePoint t, std::int64_t c) { a.release(st, t, c); }) {
      const std::uint64_t hash = keyHash ? keyHash : 1;
      Shard& s = shards_[hash & mask_];
      std::lock_guard<ShardLock> guard(s.lock);
      if (Slot* slot = find(s, hash)) {
        algorithm_.release(slot->state, now, cost);
        if (now > slot->lastSeen) slot->lastSeen = now;
      }
    }
  }

  std::int64_t sweep(TimePoint now) override {
    std::int64_t dropped = 0;
    for (std::int64_t i = 0; i < shardCount_; ++i) {
      Shard& s = shards_[i];
      std::lock_guard<ShardLock> guard(s.lock);
      dropped += evictLossless(s, now);
    }
    return dropped;
  }

  LimiterStoreStats stats() const override {
    LimiterStoreStats st;
    st.maxKeys = maxKeys_;
    st.shards = shardCount_;
    for (std::int64_t i = 0; i < shardCount_; ++i) {
      const Shard& s = shards_[i];
      std::lock_guard<ShardLock> guard(s.lock);
      st.keys += s.live;
      st.allowed += s.allowed;
      st.denied += s.denied;
      st.evictedIdle += s.evictedIdle;
      st.evictedActive += s.evictedActive;
      st.overflowDenied += s.overflowDenied;
      st.bytes += static_cast<std::int64_t>(s.slots.capacity() * sizeof(Slot)) + heapBytes(s);
    }
    st.bytes += static_cast<std::int64_t>(sizeof(*this) + shardCount_ * sizeof(Shard));
    return st;
  }

  std::int64_t bytesPerKey() const override {
    std::int64_t slotBytes = 0;
    std::int64_t capacity = 0;
    std::int64_t heap = 0;
    std::int64_t live = 0;
    for (std::int64_t i = 0; i < shardCount_; ++i) {
      const Shard& s = shards_[i];
      std::lock_guard<ShardLock> guard(s.lock);
      slotBytes += static_cast<std::int64_t>(s.maxSlots * sizeof(Slot));
      capacity += s.capacity;
      heap += heapBytes(s);
      live += s.live;
    }
    return ceilDiv(slotBytes, capacity) + (live > 0 ? ceilDiv(heap, live) : 0);
  }

  static constexpr std::size_t slotBytes() { return sizeof(Slot); }

 private:
  struct Slot {
    std::uint64_t hash = 0;  // 0: empty
    TimePoint lastSeen = 0;
    State state{};
  };

  using Table = std::vector<Slot, detail::CacheLineAllocator<Slot>>;

  struct alignas(64) Shard {
    mutable ShardLock lock;
    Table slots;
    std::int64_t live = 0;
    std::int64_t capacity = 0;
    std::size_t maxSlots = 0;
    std::int64_t allowed = 0;
    std::int64_t denied = 0;
    std::int64_t evictedIdle = 0;
    std::int64_t evictedActive = 0;
    std::int64_t overflowDenied = 0;
  };

  // Home slot: the high bits of the hash (the low bits chose the shard), scaled to the size.
  static std::size_t home(std::uint64_t hash, std::size_t size) {
    return static_cast<std::size_t>((static_cast<unsigned __int128>(hash) * size) >> 64);
  }

  static Slot* find(Shard& s, std::uint64_t hash) {
    const std::size_t size = s.slots.size();
    for (std::size_t i = home(hash, size);; i = i + 1 == size ? 0 : i + 1) {
      Slot& slot = s.slots[i];
      if (slot.hash == hash) return &slot;
      if (slot.hash == 0) return nullptr;
    }
  }

  // A key the shard does not hold: a query answers from a fresh state, anything else
  // creates the key (or is denied when the shard is full of keys it may not evict).
  LimitDecision decideUnknown(Shard& s, std::uint64_t hash, TimePoint now, std::int64_t cost) {
    if (cost <= 0) {
      State fresh = algorithm_.fresh(now);
      return algorithm_.acquire(fresh, now, 0);
    }
    Slot* slot = insert(s, hash, now);
    if (slot == nullptr) {
      ++s.denied;
      ++s.overflowDenied;
      LimitDecision d;
      d.retryAfter = kNever;
      return d;
    }
    LimitDecision d = algorithm_.acquire(slot->state, now, cost);
    ++(d.allowed ? s.allowed : s.denied);
    return d;
  }

  static Slot& placeFor(Table& slots, std::uint64_t hash) {
    const std::size_t size = slots.size();
    std::size_t i = home(hash, size);
    while (slots[i].hash != 0) i = i + 1 == size ? 0 : i + 1;
    return slots[i];
  }

  Slot* insert(Shard& s, std::uint64_t hash, TimePoint now) {
    if (s.live >= s.capacity) {
      evict(s, now);
      if (s.live >= s.capacity) return nullptr;
    }
    if (static_cast<std::size_t>(s.live + 1) * 4 > s.slots.size() * 3 && s.slots.size() < s.maxSlots) {
      grow(s);
    }
    Slot& slot = placeFor(s.slots, hash);
    slot.hash = hash;
    slot.lastSeen = now;
    slot.state = algorithm_.fresh(now);
    ++s.live;
    return &slot;
  }

  static void grow(Shard& s) {
    Table bigger(std::min(s.maxSlots, s.slots.size() * 2));
    for (Slot& slot : s.slots) {
      if (slot.hash != 0) placeFor(bigger, slot.hash) = std::move(slot);
    }
    s.slots = std::move(bigger);
  }

  // Backward-shift deletion: later entries of the probe run move up, no tombstones.
  static void erase(Shard& s, std::size_t i) {
    const std::size_t size = s.slots.size();
    for (std::size_t j = i;;) {
      j = j + 1 == size ? 0 : j + 1;
      if (s.slots[j].hash == 0) break;
      const std::size_t k = home(s.slots[j].hash, size);
      // Entry j may fill hole i unless its home lies cyclically in (i, j].
      const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (stays) continue;
      s.slots[i] = std::move(s.slots[j]);
      i = j;
    }
    s.slots[i] = Slot{};
    --s.live;
  }

  bool evictable(const State& state) const {
    if constexpr (requires(const Algorithm& a, const State& st) { a.evictable(st); }) {
      return algorithm_.evictable(state);
    } else {
      return true;
    }
  }

  bool lossless(const Slot& slot, TimePoint now) const {
    if (!evictable(slot.state)) return false;
    return now - slot.lastSeen > idleTimeout_ || algorithm_.resting(slot.state, now);
  }

  void eraseAll(Shard& s, const std::vector<std::uint64_t>& hashes) {
    for (std::uint64_t h : hashes) {
      const Slot* slot = find(s, h);
      erase(s, static_cast<std::size_t>(slot - s.slots.data()));
    }
  }

  std::int64_t evictLossless(Shard& s, TimePoint now) {
    std::vector<std::uint64_t> victims;
    for (const Slot& slot : s.slots) {
      if (slot.hash != 0 && lossless(slot, now)) victims.push_back(slot.hash);
    }
    eraseAll(s, victims);
    s.evictedIdle += static_cast<std::int64_t>(victims.size());
    return static_cast<std::int64_t>(victims.size());
  }

  // Frees at least 1/32 of the shard (amortising the O(shard) scan): every idle or resting
  // key first, then the least recently used of the others.
  void evict(Shard& s, TimePoint now) {
    const std::int64_t target = std::max<std::int64_t>(1, s.capacity / 32);
    const std::int64_t freed = evictLossless(s, now);
    if (freed >= target) return;
    std::vector<std::pair<TimePoint, std::uint64_t>> byAge;
    for (const Slot& slot : s.slots) {
      if (slot.hash != 0 && evictable(slot.state)) byAge.emplace_back(slot.lastSeen, slot.hash);
    }
    const auto n = static_cast<std::size_t>(std::min<std::int64_t>(target - freed, byAge.size()));
    std::nth_element(byAge.begin(), byAge.begin() + n, byAge.end());
    std::vector<std::uint64_t> victims;
    for (std::size_t i = 0; i < n; ++i) victims.push_back(byAge[i].second);
    eraseAll(s, victims);
    s.evictedActive += static_cast<std::int64_t>(n);
  }

  static std::int64_t heapBytes(const Shard& s) {
    if constexpr (requires(const State& st) { st.heapBytes(); }) {
      std::int64_t bytes = 0;
      for (const Slot& slot : s.slots) bytes += slot.state.heapBytes();
      return bytes;
    } else {
      return 0;
    }
  }

  Algorithm algorithm_;
  Duration idleTimeout_;
  std::int64_t maxKeys_ = 0;
  std::int64_t shardCount_ = 0;
  std::uint64_t mask_ = 0;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace gateway
