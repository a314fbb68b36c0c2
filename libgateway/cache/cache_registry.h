// The response caches of one process, per route (by route name), shared by every worker:
// SharedState keeps the registry (stageShared "cache"). A route keeps its cache across
// reloads while its settings stay the same; changed settings start an empty cache with fresh
// counters, and a route that no longer caches loses its cache. The registry is the policy
// report's "cache" section (PolicyReporter) and serves the admin API's purge.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "libgateway/cache/cache_store.h"
#include "libgateway/cache/fill_registry.h"
#include "libgateway/pipeline/policy_reporter.h"

namespace gateway {

class SharedState;
struct Config;
class Scheduler;

struct CacheCounters {
  std::atomic<std::uint64_t> hits{0}, misses{0}, expired{0}, staleServed{0}, bypass{0}, coalesced{0};
  std::atomic<std::uint64_t> stores{0}, purged{0}, refreshes{0};
};

// What the cache knows of an answer offered for storage.
struct OfferFacts {
  bool wholeBody = true;       // false: it streamed past max_entry_bytes
  bool fromUpstream = true;    // false: the gateway's own answer
  TimePoint now = 0;
  std::int64_t unixNow = 0;    // seconds, for Expires
  Duration fetchTime = 0;
  std::uint64_t epoch = 0;     // the store's purge epoch when the fetch began
};

// One route's cache: its settings, store, fills in progress and counters.
class RouteCache {
 public:
  RouteCache(std::string route, std::shared_ptr<const CacheSettings> settings);
  const std::string& route() const { return route_; }
  const CacheSettings& settings() const { return *settings_; }
  const std::shared_ptr<const CacheSettings>& settingsPtr() const { return settings_; }
  CacheStore& store() { return store_; }
  const CacheStore& store() const { return store_; }
  const std::shared_ptr<FillRegistry>& fills() const { return fills_; }
  CacheCounters& counters() { return counters_; }
  const CacheCounters& counters() const { return counters_; }
  // Counts one request's result (cache_policy.h); kHit for an answer from another's fill
  // is counted with coalesced() instead.
  void count(CacheResult result);
  void countCoalesced() { counters_.coalesced.fetch_add(1, std::memory_order_relaxed); }
  // Stores `response` (fetched for `request` under `key`) when the route's rules allow it
  // and no purge ran since the fetch began; returns what the fill's waiters get: the entry
  // (even when a purge kept it out of the store), or none, marked failed when the answer
  // is an error stale-if-error covers.
  FillOutcome offer(const std::string& key, std::string_view path, const Headers& request, const Response& response,
                    const OfferFacts& facts);

 private:
  std::string route_;
  std::shared_ptr<const CacheSettings> settings_;
  CacheStore store_;
  std::shared_ptr<FillRegistry> fills_;
  CacheCounters counters_;
};

class CacheRegistry final : public PolicyReporter {
 public:
  // `slot` is the cache stage's (where RouteConfig keeps its settings); `shared` owns this.
  CacheRegistry(SharedState& shared, std::size_t slot) : shared_(shared), slot_(slot) {}

  // The cache of route `name` with `settings` (kept while they stay equal).
  std::shared_ptr<RouteCache> forRoute(const std::string& name, const std::shared_ptr<const CacheSettings>& settings);
  // The cache of a route of the running config, or null when it does not cache.
  std::shared_ptr<RouteCache> find(std::string_view name) const;
  // Drops every waiter a worker's scheduler holds (its Gateway is going away).
  void forget(const Scheduler& scheduler) const;

  // PolicyReporter: {"routes": {NAME: {...}}, "totals": {...}} and gateway_cache_* families.
  std::string_view name() const override { return "cache"; }
  void snapshot(TimePoint now, nlohmann::json& out) const override;
  void metrics(TimePoint now, std::string& out) const override;

 private:
  // Matches the caches to the running config's cached routes; returns them by name.
  std::map<std::string, std::shared_ptr<RouteCache>, std::less<>> current() const;

  SharedState& shared_;
  const std::size_t slot_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_ptr<RouteCache>, std::less<>> caches_;
};

// POST /cache/purge's work, for the admin API: `body` is {"route": NAME} (every entry),
// {"route": NAME, "path": "/api/x"} (every variant of that path) or {"route": NAME,
// "prefix": "/api/products/"}. Answers 200 {"purged": N}, 404 for a route that does not
// cache, 400 for a bad body (with what is wrong).
struct PurgeResult {
  int status = 200;
  nlohmann::json body;
};
PurgeResult purgeResponseCache(SharedState& shared, std::string_view body);

}  // namespace gateway
