#include "libgateway/net/exchange_reporter.h"

#include <chrono>
#include <ctime>

#include <fmt/format.h>

namespace gateway::net {

namespace {

constexpr std::size_t kFlushBytes = 32 * 1024;

// Length of the valid UTF-8 sequence starting at s[i], or 0.
std::size_t utf8Length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

// "2024-05-01T12:00:00.123Z", the second part cached per thread.
void appendTimestamp(std::string& out) {
  thread_local std::time_t cachedSecond = -1;
  thread_local char prefix[24];
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t second = static_cast<std::time_t>(ms / 1000);
  if (second != cachedSecond) {
    cachedSecond = second;
    std::tm tm{};
    gmtime_r(&second, &tm);
    std::strftime(prefix, sizeof prefix, "%Y-%m-%dT%H:%M:%S", &tm);
  }
  fmt::format_to(std::back_inserter(out), "{}.{:03}Z", prefix, ms % 1000);
}

std::string_view limitResult(const Exchange& ex) {
  if (ex.rateLimited) return "deny";
  if (ex.limitDelay > 0) return "delay";
  return "allow";
}

}  // namespace

void appendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
      ++i;
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (const std::size_t n = utf8Length(s, i); n > 0) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);  // keep the line valid JSON
      ++i;
    }
  }
  out.push_back('"');
}

ExchangeReporter::ExchangeReporter(MetricsRegistry& metrics, AccessLog* log) : metrics_(metrics), log_(log) {}

ExchangeReporter::~ExchangeReporter() { flush(); }

void ExchangeReporter::onComplete(const Exchange& ex, const Response& response) {
  const ObservabilityConfig& obs = ex.runtime->config().observability;
  if (obs.metrics) record(ex, response.status);
  if (obs.accessLog && log_) {
    appendLogLine(ex, response);
    if (buffer_.size() >= kFlushBytes) flush();
  }
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
  // The service of a request answered locally (429, 503) is its route's, when it has one.
  std::size_t serviceIndex = SIZE_MAX;
  if (ex.forwarded) serviceIndex = ex.serviceIndex;
  else if (ex.routed && rt.route(ex.routeIndex).backends.size() == 1) serviceIndex = rt.route(ex.routeIndex).backends[0];

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

  if (ex.forwarded && ex.upstreamEnd >= ex.upstreamStart && ex.upstreamStart > 0) {
    const std::uint64_t ukey = (static_cast<std::uint64_t>(ex.serviceIndex) << 32) |
                               (static_cast<std::uint64_t>(ex.instanceIndex) << 8) |
                               static_cast<std::uint64_t>(ex.upstreamOutcome);
    auto u = upstreamSeries_.find(ukey);
    if (u == upstreamSeries_.end()) {
      const ServiceConfig& sc = *rt.service(ex.serviceIndex).config;
      u = upstreamSeries_
              .emplace(ukey, UpstreamSeries{&metrics_.upstreamRequests(sc.name, sc.instances[ex.instanceIndex].id,
                                                                       toString(ex.upstreamOutcome)),
                                            &metrics_.upstreamDuration(sc.name)})
              .first;
    }
    u->second.attempts->add();
    u->second.duration->observe(ex.upstreamEnd - ex.upstreamStart);
  }

  if (ex.limitPolicy != nullptr && route) {
    const std::string_view result = limitResult(ex);
    const std::uint64_t kind = ex.rateLimited ? 1 : ex.limitDelay > 0 ? 2 : 3;
    const std::uint64_t lkey = (static_cast<std::uint64_t>(ex.routeIndex) << 8) | kind;
    auto l = limitSeries_.find(lkey);
    if (l == limitSeries_.end()) l = limitSeries_.emplace(lkey, &metrics_.rateLimitDecisions(route->name, result)).first;
    l->second->add();
  }
}

void ExchangeReporter::appendLogLine(const Exchange& ex, const Response& response) {
  std::string& out = buffer_;
  out += "{\"time\":\"";
  appendTimestamp(out);
  out += "\",\"correlation_id\":";
  appendJsonString(out, ex.correlationId);
  out += ",\"client\":";
  appendJsonString(out, ex.request.clientAddress);
  out += ",\"method\":";
  appendJsonString(out, ex.request.method);
  out += ",\"target\":";
  appendJsonString(out, ex.request.target);
  out += ",\"route\":";
  appendJsonString(out, ex.route() ? std::string_view(ex.route()->name) : std::string_view());
  out += ",\"consumer\":";
  appendJsonString(out, ex.consumer);
  out += ",\"status\":";
  out += std::to_string(response.status);
  out += ",\"outcome\":";
  appendJsonString(out, ex.outcome);
  fmt::format_to(std::back_inserter(out), ",\"duration_ms\":{:.3f}", (ex.end - ex.start) / 1000.0);
  if (ex.forwarded) {
    const ServiceConfig& sc = *ex.service();
    out += ",\"service\":";
    appendJsonString(out, sc.name);
    out += ",\"instance\":";
    appendJsonString(out, sc.instances[ex.instanceIndex].id);
    out += ",\"upstream_outcome\":";
    appendJsonString(out, toString(ex.upstreamOutcome));
    const Duration upstream = ex.upstreamEnd >= ex.upstreamStart ? ex.upstreamEnd - ex.upstreamStart : 0;
    fmt::format_to(std::back_inserter(out), ",\"upstream_ms\":{:.3f}", upstream / 1000.0);
  }
  if (ex.limitPolicy != nullptr) {
    out += ",\"limit\":";
    appendJsonString(out, limitResult(ex));
    out += ",\"limit_policy\":";
    appendJsonString(out, *ex.limitPolicy);
    out += ",\"limit_decision\":";
    appendJsonString(out, ex.limiterDecision());
  }
  fmt::format_to(std::back_inserter(out), ",\"bytes\":{}}}\n", response.body.size());
}

void ExchangeReporter::flush() {
  if (buffer_.empty() || !log_) return;
  log_->write(buffer_);
  buffer_.clear();
}

}  // namespace gateway::net
