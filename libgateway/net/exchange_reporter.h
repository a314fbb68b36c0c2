// Reports each completed exchange of one worker: Prometheus series (through pointers cached
// per config version, so the hot path takes no lock and builds no label strings) and a JSON
// access-log line (correlation id, route, consumer, status, upstream instance, total and
// upstream durations, outcome, limiter decision) buffered and written in batches; and, while a
// dashboard watches, a record in the admin API's recent-requests feed.
// One per Gateway (worker thread); not thread-safe. Registry and log outlive it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "libgateway/net/access_log.h"
#include "libgateway/net/metrics_registry.h"
#include "libgateway/net/recent_requests.h"
#include "libgateway/pipeline/exchange.h"

namespace gateway::net {

class ExchangeReporter final : public ExchangeObserver {
 public:
  // `log` may be null (no access log).
  ExchangeReporter(MetricsRegistry& metrics, AccessLog* log);
  ~ExchangeReporter() override;

  void onComplete(const Exchange& exchange, const Response& response) override;
  // Adds each exchange to `feed` as worker `worker` while someone reads it (the rest of the
  // time: one relaxed load per exchange). `feed` outlives the reporter.
  void feedRecent(RecentRequests* feed, std::size_t worker) {
    recent_ = feed;
    worker_ = worker;
  }
  // Hands buffered log lines to the AccessLog; call periodically and at shutdown.
  void flush();
  // An access-log line for a request the listener refused before routing (a 400, 408, 413,
  // 414 or 431): time, client, status, and the refusal's code as the outcome.
  void logRejection(int status, std::string_view code, std::string_view clientAddress);

 private:
  struct RequestSeries {
    Counter* requests = nullptr;
    Histogram* duration = nullptr;
  };
  struct UpstreamSeries {
    Counter* attempts = nullptr;
    Histogram* duration = nullptr;
  };
  void record(const Exchange& ex, int status);
  void appendLogLine(const Exchange& ex, const Response& response);
  void reserveLine(std::size_t bound);  // room for a line of at most `bound` bytes

  MetricsRegistry& metrics_;
  AccessLog* log_;
  RecentRequests* recent_ = nullptr;
  std::size_t worker_ = 0;
  std::shared_ptr<const GatewayRuntime> runtime_;  // the caches below index into this one
  std::unordered_map<std::uint64_t, RequestSeries> requestSeries_;
  std::unordered_map<std::uint64_t, UpstreamSeries> upstreamSeries_;
  std::unordered_map<std::uint64_t, Counter*> limitSeries_;
  // Log lines not yet written: filled through a cursor, with no zero-filling or per-piece
  // growth checks (the line's bound is reserved up front).
  std::unique_ptr<char[]> buffer_;
  std::size_t bufferUsed_ = 0;
  std::size_t bufferCapacity_ = 0;
};

}  // namespace gateway::net
