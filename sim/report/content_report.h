// What a run's answers carried and what the response cache, aggregation and transformation
// did: bytes to clients, upstream requests per service and the client requests that needed
// none, partial answers, the cache's counters and upstream fetches per stampede. Reported
// (the run's JSON "content" section, gwsim compare's columns, the expectations' metrics)
// only when the scenario has a service with content, a route with "cache", "aggregate" or
// "transform", or a "stampede" measure: other runs' outputs stay as they were. Plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "libgateway/http/message.h"

namespace gwsim {

struct Scenario;
struct RunResult;

// One route's (or all routes') counters of the policy snapshot's "cache" section.
struct CacheCounters {
  std::uint64_t hits = 0, misses = 0, expired = 0, staleServed = 0, bypass = 0, coalesced = 0;
  // hits / (hits + misses + expired); nullopt before the first lookup.
  std::optional<double> hitRatio() const;
  static CacheCounters fromJson(const nlohmann::json& counters);
};

struct ContentReport {
  bool enabled = false;
  std::uint64_t bytesToClients = 0;                       // body bytes of every answer (every attempt)
  std::map<std::string, std::uint64_t> routeBytes;        // by route, every attempt; "(none)": unrouted
  std::map<std::string, std::uint64_t> groupBytes;        // by client group: the answers its clients kept
  std::map<std::string, std::uint64_t> upstreamRequests;  // by service: tries that reached it
  std::uint64_t upstreamSaved = 0;   // answered from the cache, without an upstream call of their own
  std::uint64_t partialAnswers = 0;  // 2xx answers with X-KrakenD-Completed: false
  nlohmann::json cache;              // the policy snapshot's "cache" section; null: no cache
  bool stampede = false;             // the scenario has a stampede measure
  std::uint64_t stampedeFetches = 0, stampedeBursts = 0;

  std::optional<CacheCounters> cacheTotals() const;
  std::optional<CacheCounters> cacheRoute(const std::string& route) const;
  std::optional<double> fetchesPerStampede() const;
  std::uint64_t upstreamTotal() const;
  nlohmann::json toJson() const;
};

// Whether a run of `s` reports content (see above).
bool reportsContent(const Scenario& s);
bool hasRouteField(const Scenario& s, const char* field);  // a route of its gateway config has `field`

// An answer the cache gave (X-Cache HIT or STALE; X-Cache-Status Hit or Stale).
bool answeredFromCache(const gateway::Response& response);
// An aggregation's 2xx answer that lacks a part (X-KrakenD-Completed: false; a failed
// aggregation's error says false too, but it is an error, not a partial answer).
bool partialAnswer(const gateway::Response& response);

// The run summary's lines about it.
std::string formatContentSummary(const ContentReport& c);

bool isContentMetric(const std::string& name);
// The value of a content metric for `labels` (none, route, group; service for
// upstream_requests); nullopt when the run has no such data.
std::optional<double> contentMetric(const RunResult& r, const std::string& name,
                                    const std::map<std::string, std::string>& labels);

}  // namespace gwsim
