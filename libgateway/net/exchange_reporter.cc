#include "libgateway/net/exchange_reporter.h"

#include "libgateway/http/json_escape.h"

#include <charconv>
#include <cstring>
#include <chrono>
#include <ctime>

#include <fmt/format.h>

namespace gateway::net {

namespace {

constexpr std::size_t kFlushBytes = 32 * 1024;

// Writes "2024-05-01T12:00:00.123Z" (24 bytes) at `p`, the part up to the second cached per
// thread; returns the end.
char* writeTimestamp(char* p) {
  thread_local std::time_t cachedSecond = -1;
  thread_local char prefix[24];
  thread_local std::size_t prefixLength = 0;
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t second = static_cast<std::time_t>(ms / 1000);
  if (second != cachedSecond) {
    cachedSecond = second;
    std::tm tm{};
    gmtime_r(&second, &tm);
    prefixLength = std::strftime(prefix, sizeof prefix, "%Y-%m-%dT%H:%M:%S", &tm);
  }
  std::memcpy(p, prefix, prefixLength);
  p += prefixLength;
  const auto frac = static_cast<unsigned>(ms % 1000);
  p[0] = '.';
  p[1] = static_cast<char>('0' + frac / 100);
  p[2] = static_cast<char>('0' + frac / 10 % 10);
  p[3] = static_cast<char>('0' + frac % 10);
  p[4] = 'Z';
  return p + 5;
}

}  // namespace

ExchangeReporter::ExchangeReporter(MetricsRegistry& metrics, AccessLog* log) : metrics_(metrics), log_(log) {}

ExchangeReporter::~ExchangeReporter() { flush(); }

void ExchangeReporter::onComplete(const Exchange& ex, const Response& response) {
  const ObservabilityConfig& obs = ex.runtime->config().observability;
  if (obs.metrics) record(ex, response.status);
  if (obs.accessLog && log_) {
    appendLogLine(ex, response);
    if (bufferUsed_ >= kFlushBytes) flush();
  }
  if (recent_ && recent_->watched(ex.end)) recent_->record(worker_, ex, response);
}

void ExchangeReporter::record(const Exchange& ex, int status) {
  if (ex.runtime != runtime_) {
    runtime_ = ex.runtime;
    requestSeries_.clear();
    upstreamSeries_.clear();
    limitSeries_.clear();
  }
  const GatewayRuntime& rt = *ex.runtime;
  const RouteConfig* route = ex.route();
  const UpstreamRecord* upstream = ex.upstream();
  // The service of a request answered locally (429, 503) is its route's, when it has one.
  std::size_t serviceIndex = SIZE_MAX;
  if (upstream) serviceIndex = upstream->serviceIndex;
  else if (ex.routed && rt.route(ex.routeIndex).target.backends.size() == 1) serviceIndex = rt.route(ex.routeIndex).target.backends[0];

  const std::uint64_t routeKey = route ? ex.routeIndex + 1 : 0;
  const std::uint64_t serviceKey = serviceIndex == SIZE_MAX ? 0 : serviceIndex + 1;
  const std::uint64_t key = (routeKey << 40) | (serviceKey << 20) | static_cast<std::uint64_t>(status & 0xFFFFF);
  auto it = requestSeries_.find(key);
  if (it == requestSeries_.end()) {
    const std::string_view routeName = route ? std::string_view(route->name) : std::string_view();
    const std::string_view serviceName =
        serviceIndex == SIZE_MAX ? std::string_view() : std::string_view(rt.service(serviceIndex).config->name);
    it = requestSeries_.emplace(key, RequestSeries{&metrics_.requests(routeName, serviceName, status),
                                                   &metrics_.requestDuration(routeName)})
             .first;
  }
  it->second.requests->add();
  it->second.duration->observe(ex.end - ex.start);

  if (upstream && upstream->tryEnd >= upstream->tryStart && upstream->tryStart > 0) {
    const std::uint64_t ukey = (static_cast<std::uint64_t>(upstream->serviceIndex) << 32) |
                               (static_cast<std::uint64_t>(upstream->instanceIndex) << 8) |
                               static_cast<std::uint64_t>(upstream->outcome);
    auto u = upstreamSeries_.find(ukey);
    if (u == upstreamSeries_.end()) {
      const ServiceConfig& sc = *rt.service(upstream->serviceIndex).config;
      u = upstreamSeries_
              .emplace(ukey, UpstreamSeries{&metrics_.upstreamRequests(sc.name, sc.instances[upstream->instanceIndex].id,
                                                                       toString(upstream->outcome)),
                                            &metrics_.upstreamDuration(sc.name)})
              .first;
    }
    u->second.attempts->add();
    u->second.duration->observe(upstream->tryEnd - upstream->tryStart);
  }

  const RateLimitRecord& limit = ex.rateLimit();
  if (limit.applied() && route) {
    const std::string_view result = limit.result();
    const std::uint64_t kind = limit.denied ? 1 : limit.delay > 0 ? 2 : 3;
    const std::uint64_t lkey = (static_cast<std::uint64_t>(ex.routeIndex) << 8) | kind;
    auto l = limitSeries_.find(lkey);
    if (l == limitSeries_.end()) l = limitSeries_.emplace(lkey, &metrics_.rateLimitDecisions(route->name, result)).first;
    l->second->add();
  }
}

namespace {

// Writes one log line through a cursor over space reserved up front: literals are fixed-size
// copies and strings are escaped in place, with no per-piece growth checks.
class LineWriter {
 public:
  LineWriter(char* at, std::size_t& used) : p_(at), start_(at), used_(used) {}
  ~LineWriter() { used_ += static_cast<std::size_t>(p_ - start_); }

  template <std::size_t N>
  void literal(const char (&s)[N]) {
    std::memcpy(p_, s, N - 1);
    p_ += N - 1;
  }
  // A quoted, escaped JSON string: at most 6 bytes per input byte, plus the quotes.
  void json(std::string_view s) {
    *p_++ = '"';
    escapeJson(s, [this](const char* data, std::size_t n) {
      std::memcpy(p_, data, n);
      p_ += n;
    });
    *p_++ = '"';
  }
  void number(std::uint64_t v) { p_ = std::to_chars(p_, p_ + 24, v).ptr; }
  // Microseconds as milliseconds with three decimals ("12.345").
  void millis(Duration us) {
    if (us < 0) us = 0;
    number(static_cast<std::uint64_t>(us / 1000));
    const auto frac = static_cast<unsigned>(us % 1000);
    p_[0] = '.';
    p_[1] = static_cast<char>('0' + frac / 100);
    p_[2] = static_cast<char>('0' + frac / 10 % 10);
    p_[3] = static_cast<char>('0' + frac % 10);
    p_ += 4;
  }
  void timestamp() { p_ = writeTimestamp(p_); }

 private:
  char* p_;
  char* start_;
  std::size_t& used_;
};

}  // namespace

void ExchangeReporter::reserveLine(std::size_t bound) {
  if (bufferCapacity_ - bufferUsed_ >= bound) return;
  const std::size_t capacity = std::max(kFlushBytes * 2, (bufferUsed_ + bound) * 2);
  auto grown = std::make_unique_for_overwrite<char[]>(capacity);
  if (bufferUsed_ > 0) std::memcpy(grown.get(), buffer_.get(), bufferUsed_);
  buffer_ = std::move(grown);
  bufferCapacity_ = capacity;
}

void ExchangeReporter::appendLogLine(const Exchange& ex, const Response& response) {
  const std::string_view route = ex.route() ? std::string_view(ex.route()->name) : std::string_view();
  const UpstreamRecord* upstream = ex.upstream();
  const ServiceConfig* service = ex.service();
  const std::string_view serviceName = service ? std::string_view(service->name) : std::string_view();
  const std::string_view instance = service ? std::string_view(service->instances[upstream->instanceIndex].id) : std::string_view();
  const RateLimitRecord& limit = ex.rateLimit();
  const std::string_view policy = limit.policy ? std::string_view(*limit.policy) : std::string_view();
  const std::size_t strings = ex.correlationId.size() + ex.request.clientAddress.size() + ex.request.method.size() +
                              ex.request.target.size() + route.size() + ex.consumer.size() + ex.outcome.size() +
                              serviceName.size() + instance.size() + policy.size();
  reserveLine(512 + 6 * strings);
  LineWriter w(buffer_.get() + bufferUsed_, bufferUsed_);
  w.literal("{\"time\":\"");
  w.timestamp();
  w.literal("\",\"correlation_id\":");
  w.json(ex.correlationId);
  w.literal(",\"client\":");
  w.json(ex.request.clientAddress);
  w.literal(",\"method\":");
  w.json(ex.request.method);
  w.literal(",\"target\":");
  w.json(ex.request.target);
  w.literal(",\"route\":");
  w.json(route);
  w.literal(",\"consumer\":");
  w.json(ex.consumer);
  w.literal(",\"status\":");
  w.number(static_cast<std::uint64_t>(response.status));
  w.literal(",\"outcome\":");
  w.json(ex.outcome);
  w.literal(",\"duration_ms\":");
  w.millis(ex.end - ex.start);
  if (service) {
    w.literal(",\"service\":");
    w.json(serviceName);
    w.literal(",\"instance\":");
    w.json(instance);
    w.literal(",\"upstream_outcome\":");
    w.json(toString(upstream->outcome));
    w.literal(",\"upstream_ms\":");
    w.millis(upstream->tryEnd >= upstream->tryStart ? upstream->tryEnd - upstream->tryStart : 0);
  }
  if (limit.applied()) {
    w.literal(",\"limit\":");
    w.json(limit.result());
    w.literal(",\"limit_policy\":");
    w.json(policy);
    w.literal(",\"limit_remaining\":");
    w.number(static_cast<std::uint64_t>(std::max<std::int64_t>(0, limit.remaining)));
    if (limit.denied && limit.retryAfter != kNever) {
      w.literal(",\"retry_after_ms\":");
      w.millis(limit.retryAfter);
    }
  }
  // A streamed body is still on its way when the line is written: its announced length, if any.
  if (!response.stream) {
    w.literal(",\"bytes\":");
    w.number(response.body.size());
  } else if (const auto length = response.stream->length()) {
    w.literal(",\"bytes\":");
    w.number(*length);
  }
  if (response.stream) w.literal(",\"streamed\":true");
  w.literal("}\n");
}

void ExchangeReporter::logRejection(int status, std::string_view code, std::string_view clientAddress) {
  if (!log_) return;
  reserveLine(512 + 6 * (code.size() + clientAddress.size()));
  {
    LineWriter w(buffer_.get() + bufferUsed_, bufferUsed_);
    w.literal("{\"time\":\"");
    w.timestamp();
    w.literal("\",\"client\":");
    w.json(clientAddress);
    w.literal(",\"status\":");
    w.number(static_cast<std::uint64_t>(status));
    w.literal(",\"outcome\":");
    w.json(code);
    w.literal(",\"rejected_by\":\"listener\"}\n");
  }
  if (bufferUsed_ >= kFlushBytes) flush();
}

void ExchangeReporter::flush() {
  if (bufferUsed_ == 0 || !log_) return;
  log_->write({buffer_.get(), bufferUsed_});
  bufferUsed_ = 0;
}

}  // namespace gateway::net
