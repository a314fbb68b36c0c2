// LimiterStore: the per-instance, keyed, bounded store of one rate-limit policy. Worker
// threads share one store; every method is thread-safe and each decision is one atomic
// check-and-update under the key's shard lock (no read-then-increment race, Kong #5311).
// Scope: per gateway instance. makeLimiter() returns an owning pointer; keys are not stored,
// only their 64-bit hashes (limiter_key.h documents the collision odds).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "libgateway/core/time.h"
#include "libgateway/ratelimit/limit_decision.h"
#include "libgateway/ratelimit/limiter_key.h"
#include "libgateway/ratelimit/limiter_spec.h"

namespace gateway {

struct LimiterStoreOptions {
  // Upper bound on tracked keys. Split evenly over the shards: a shard evicts when it holds
  // its share, so eviction may start slightly (~1% at 1e6 keys) below maxKeys in total.
  std::int64_t maxKeys = 1'000'000;
  // A key unused this long is evicted first. Evicting a key idle longer than the spec's
  // quotaWindow() loses nothing (its state has returned to fresh).
  Duration idleTimeout = seconds(600);
  // Rounded down to a power of two and to at most maxKeys/64 (at least 1).
  int shards = 64;
};

struct LimiterStoreStats {
  std::int64_t keys = 0;            // tracked now
  std::int64_t maxKeys = 0;
  std::int64_t shards = 0;
  std::int64_t allowed = 0;         // decisions since construction
  std::int64_t denied = 0;          // including overflowDenied
  std::int64_t evictedIdle = 0;     // keys dropped that were idle or back to a fresh state
  std::int64_t evictedActive = 0;   // keys dropped, least recently used first, state lost
  std::int64_t overflowDenied = 0;  // new keys denied: shard full of unevictable keys
  std::int64_t bytes = 0;           // memory held now: tables, plus sliding-log buffers
};

class LimiterStore {
 public:
  virtual ~LimiterStore() = default;

  // Applies the policy to `key` at `now`, creating the key's state on first use (evicting
  // an idle or least-recently-used key when full). cost 0 is a query: it consumes nothing,
  // creates no key, refreshes no key and is not counted in stats(). Times from different threads may be slightly out of order;
  // each algorithm treats a late `now` conservatively (see its header).
  LimitDecision decide(std::string_view key, TimePoint now, std::int64_t cost = 1) {
    return decideHashed(hashLimiterKey(key), now, cost);
  }
  // Concurrency policies: returns `cost` units when a response completes. No-op otherwise.
  void release(std::string_view key, TimePoint now, std::int64_t cost = 1) {
    releaseHashed(hashLimiterKey(key), now, cost);
  }

  // The same, for callers that already hold hashLimiterKey(key).
  virtual LimitDecision decideHashed(std::uint64_t keyHash, TimePoint now, std::int64_t cost = 1) = 0;
  virtual void releaseHashed(std::uint64_t keyHash, TimePoint now, std::int64_t cost = 1) = 0;

  // Drops every key idle longer than idleTimeout or back to a fresh state; returns how many.
  // Optional (eviction also happens on demand); call it to keep `keys` meaningful.
  virtual std::int64_t sweep(TimePoint now) = 0;

  // Counters for metrics and the dashboard; takes each shard lock in turn (not a snapshot
  // across shards).
  virtual LimiterStoreStats stats() const = 0;

  // Memory one tracked key costs when the store is full: table slot / maximum load factor,
  // plus (sliding_log) the mean ring-buffer bytes of the keys tracked now.
  virtual std::int64_t bytesPerKey() const = 0;

  const LimiterSpec& spec() const { return spec_; }

 protected:
  explicit LimiterStore(const LimiterSpec& spec) : spec_(spec) {}

 private:
  LimiterSpec spec_;
};

// Builds the store for `spec`. Returns nullptr when the spec is invalid, with the reason in
// *error when given (validateLimiterSpec's message).
std::unique_ptr<LimiterStore> makeLimiter(const LimiterSpec& spec, const LimiterStoreOptions& options = {},
                                          std::string* error = nullptr);

}  // namespace gateway
