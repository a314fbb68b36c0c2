// The gateway's Prometheus metrics (text exposition format 0.0.4; names listed in
// libgateway/SEMANTICS.md, "Metrics"): request counters by route, service and status code, request and upstream
// latency histograms, upstream attempts by outcome, rate-limit decisions, config reloads.
// Thread-safe: series are created under a mutex and never removed (so a pointer to one stays
// valid), and updated with relaxed atomics; workers cache their series pointers (see
// ExchangeReporter) so the hot path takes no lock.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "libgateway/core/time.h"
#include "libgateway/http/prometheus_text.h"  // the text helpers (appendFamilyHeader...) for net/ too

namespace gateway::net {

struct Counter {
  std::atomic<std::uint64_t> value{0};
  void add(std::uint64_t n = 1) { value.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t get() const { return value.load(std::memory_order_relaxed); }
};

// Latency histogram with fixed buckets from 0.5 ms to 10 s (Prometheus client defaults,
// extended below 5 ms for a proxy's own overhead).
class Histogram {
 public:
  static constexpr std::array<Duration, 14> kBoundsMicros = {500,    1000,   2500,    5000,    10000,   25000,   50000,
                                                             100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};
  void observe(Duration d);
  // Appends the _bucket, _sum and _count lines; `labels` is "a=\"x\"" or empty.
  void render(std::string& out, std::string_view name, std::string_view labels) const;
  std::uint64_t count() const;

 private:
  std::array<std::atomic<std::uint64_t>, kBoundsMicros.size() + 1> buckets_{};  // last: +Inf
  std::atomic<std::uint64_t> sumMicros_{0};
};

class MetricsRegistry {
 public:
  Counter& requests(std::string_view route, std::string_view service, int code);
  Histogram& requestDuration(std::string_view route);
  Histogram& upstreamDuration(std::string_view service);
  Counter& upstreamRequests(std::string_view service, std::string_view instance, std::string_view outcome);
  Counter& rateLimitDecisions(std::string_view route, std::string_view result);
  Counter& reloads(std::string_view result);

  // Every series in text format, families sorted by name.
  void render(std::string& out) const;

  struct RequestCount {
    std::string route, service;
    int code = 0;
    std::uint64_t count = 0;
  };
  std::vector<RequestCount> requestCounts() const;
  struct UpstreamCount {
    std::string service, instance, outcome;
    std::uint64_t count = 0;
  };
  std::vector<UpstreamCount> upstreamCounts() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::unique_ptr<Counter>> requests_;
  std::map<std::string, std::unique_ptr<Histogram>, std::less<>> requestDuration_;
  std::map<std::string, std::unique_ptr<Histogram>, std::less<>> upstreamDuration_;
  std::map<std::tuple<std::string, std::string, std::string>, std::unique_ptr<Counter>> upstreamRequests_;
  std::map<std::tuple<std::string, std::string>, std::unique_ptr<Counter>> rateLimit_;
  std::map<std::string, std::unique_ptr<Counter>, std::less<>> reloads_;
};

}  // namespace gateway::net
