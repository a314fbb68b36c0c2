// Request coalescing's bookkeeping, for one route's cache: at most one fill per key at a
// time. The first request for a missing key becomes its filler; the others register a wake
// callback with their own Scheduler and wait. When the fill ends, the filler's thread posts
// each waiter's callback to the waiter's scheduler (Scheduler::post: thread-safe, so a fill
// on one worker wakes waiters on every other) with the stored entry, or with none when the
// fill failed, was not storable or was abandoned: an event, never a poll. A waiter that
// gives up first (its own timeout) leaves. Thread-safe; keys are spread over 16 locks.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "libgateway/cache/cache_policy.h"
#include "libgateway/core/env.h"

namespace gateway {

// How a fill ended, as its waiters learn it.
struct FillOutcome {
  std::shared_ptr<const CachedResponse> entry;  // the stored answer; null: fetch your own
  bool upstreamFailed = false;                  // no entry because the upstream failed (stale-if-error may answer)
};

class FillRegistry {
 public:
  using Wake = std::function<void(const FillOutcome&)>;
  struct Join {
    bool leader = false;     // the caller fills the key
    std::uint64_t waiter = 0;  // else its registration, for leave()
  };

  // Under the key's lock: no fill in progress makes the caller the filler; otherwise `wake`
  // is registered to be posted to `scheduler` when the fill ends.
  Join leadOrWait(const std::string& key, Scheduler& scheduler, Wake wake);
  // Becomes the key's filler only when no fill is in progress (a background refresh).
  bool tryLead(const std::string& key);
  // Ends the key's fill: posts every waiter's wake with `outcome`.
  void finish(const std::string& key, const FillOutcome& outcome);
  // A waiter gives up. True when it was still registered (its wake will never come);
  // false when the wake is already on its way.
  bool leave(const std::string& key, std::uint64_t waiter);
  // Drops, without waking, every waiter registered with `scheduler` (its worker is going away).
  void forget(const Scheduler& scheduler);

  std::size_t inFlight() const;  // fills in progress
  std::size_t waiting() const;   // waiters registered

 private:
  struct Waiter {
    std::uint64_t id = 0;
    Scheduler* scheduler = nullptr;
    Wake wake;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::vector<Waiter>> fills;  // key -> its waiters
    std::uint64_t nextId = 0;
  };
  Shard& shardOf(const std::string& key) { return shards_[std::hash<std::string>{}(key) % shards_.size()]; }

  std::array<Shard, 16> shards_;
};

// The filler's side of a fill: ends it exactly once, with an entry, a failure, or (when
// destroyed unfinished, as when its exchange goes away) nothing. Move-only.
class FillLease {
 public:
  FillLease() = default;
  FillLease(std::shared_ptr<FillRegistry> fills, std::string key, std::uint64_t epoch)
      : fills_(std::move(fills)), key_(std::move(key)), epoch_(epoch) {}
  FillLease(FillLease&& other) noexcept = default;
  FillLease& operator=(FillLease&& other) noexcept {
    if (this != &other) {
      finish({});
      fills_ = std::move(other.fills_);
      key_ = std::move(other.key_);
      epoch_ = other.epoch_;
    }
    return *this;
  }
  ~FillLease() { finish({}); }

  bool active() const { return fills_ != nullptr; }
  // The store's purge epoch when the fill began (cache_store.h).
  std::uint64_t epoch() const { return epoch_; }
  void finish(const FillOutcome& outcome) {
    if (!fills_) return;
    std::shared_ptr<FillRegistry> fills = std::move(fills_);
    fills_ = nullptr;
    fills->finish(key_, outcome);
  }

 private:
  std::shared_ptr<FillRegistry> fills_;
  std::string key_;
  std::uint64_t epoch_ = 0;
};

}  // namespace gateway
