// What the cache-and-aggregation panel draws. Cache, per route with a response cache and in
// total: hits, misses, stale answers, coalesced waiters (and the rest of the snapshot's
// counters) per simulated second, from the differences between consecutive snapshots'
// "cache" counters; entries and bytes against their limits at each second's last snapshot.
// Aggregation, per aggregation route: answers complete / partial / failed per second and
// each part's statuses and mean latency (the snapshot's "aggregate" counters), plus the
// route's requests by status class and latency percentiles (its RequestRecords).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tools/gwdash/model/dashboard_listener.h"
#include "tools/gwdash/model/policy_series.h"

namespace gwdash {

// The cache counters the panel plots, in the snapshot's names.
inline constexpr std::array<const char*, 10> kCacheCounterNames = {
    "hits", "misses", "stale_served", "coalesced", "bypass", "stores", "refreshes", "expired", "evictions", "purged"};
enum CacheCounter : std::size_t { kCacheHits, kCacheMisses, kCacheStale, kCacheCoalesced, kCacheBypass, kCacheStores,
                                   kCacheRefreshes, kCacheExpired, kCacheEvictions, kCachePurged };

struct CacheSecond {
  std::array<std::uint64_t, kCacheCounterNames.size()> counts{};  // during the second
  std::uint64_t entries = 0, bytes = 0;                           // at its last snapshot
};

struct CacheRouteView {
  std::string route;  // "" for the totals
  std::array<std::uint64_t, kCacheCounterNames.size()> total{};  // cumulative, the last snapshot's
  std::uint64_t entries = 0, bytes = 0, maxEntries = 0, maxBytes = 0, fillsInFlight = 0;
  SimSecondRing<CacheSecond> seconds;
  double hitShare() const;  // hits + stale + coalesced over all lookups so far
};

// An aggregation part's statuses, in the snapshot's names.
inline constexpr std::array<const char*, 8> kPartStatusNames = {"ok", "4xx", "5xx", "timeout", "bad_response",
                                                                "circuit_open", "rate_limited", "skipped"};

struct PartSecond {
  std::uint64_t calls = 0;
  double latencyMsSum = 0;
  std::array<std::uint64_t, kPartStatusNames.size()> statuses{};
  double meanLatencyMs() const { return calls ? latencyMsSum / static_cast<double>(calls) : 0.0; }
};

struct AggregatePartView {
  std::string name;
  std::string service;  // from the config ("" when the config does not name it)
  PartSecond total;     // cumulative
  SimSecondRing<PartSecond> seconds;
};

// An aggregation route's answers (complete, partial, failed) and its requests by status class.
struct AggregateSecond {
  std::array<std::uint64_t, 3> answers{};  // complete, partial, failed (snapshot deltas)
  std::array<std::uint64_t, 4> statuses{}; // requests by class: 2xx, 4xx, 5xx, other (records)
  double latencyMsSum = 0;                 // of the second's requests
};

struct AggregateRouteView {
  std::string route;
  std::array<std::uint64_t, 3> answers{};  // cumulative
  std::vector<AggregatePartView> parts;    // config order, then any the snapshot adds
  SimSecondRing<AggregateSecond> seconds;
  double p50Ms = 0, p99Ms = 0;             // its requests over the last 10 simulated seconds
  AggregatePartView* part(const std::string& name);
};

class CacheModel : public DashboardListener {
 public:
  static constexpr gateway::Duration kLatencyWindow = gateway::seconds(10);

  void reset(const DashboardContext& context) override;
  void onRequest(const RequestRecord& record) override;
  void onSnapshot(gateway::TimePoint now, const nlohmann::json& policies) override;
  void onConfig(const DashboardContext& context) override;

  gateway::TimePoint now() const { return now_; }
  const CacheRouteView& totals() const { return totals_; }
  const std::map<std::string, CacheRouteView>& cacheRoutes() const { return cacheRoutes_; }
  const std::map<std::string, AggregateRouteView>& aggregateRoutes() const { return aggregateRoutes_; }
  std::string digest() const;

 private:
  void addConfigured(const DashboardContext& context);
  void readCache(gateway::TimePoint now, const nlohmann::json& section, CacheRouteView& view);
  void readAggregate(gateway::TimePoint now, const nlohmann::json& section, AggregateRouteView& view);

  bool simulated_ = false;   // counters start at zero with the run
  bool baseline_ = false;    // attached: the first snapshot only sets the counters' baseline
  gateway::TimePoint now_ = 0;
  CacheRouteView totals_;
  std::map<std::string, CacheRouteView> cacheRoutes_;
  std::map<std::string, AggregateRouteView> aggregateRoutes_;
  std::set<std::string> seenRoutes_;  // routes whose counters the model has read once
  struct AggregateLatency {
    gateway::TimePoint end = 0;
    std::string route;
    double ms = 0;
  };
  std::deque<AggregateLatency> latencies_;  // the last kLatencyWindow, end order
};

}  // namespace gwdash
