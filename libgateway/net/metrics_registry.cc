#include "libgateway/net/metrics_registry.h"

#include <fmt/format.h>

namespace gateway::net {

void Histogram::observe(Duration d) {
  std::size_t i = 0;
  while (i < kBoundsMicros.size() && d > kBoundsMicros[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sumMicros_.fetch_add(static_cast<std::uint64_t>(d < 0 ? 0 : d), std::memory_order_relaxed);
}

std::uint64_t Histogram::count() const {
  std::uint64_t n = 0;
  for (const auto& b : buckets_) n += b.load(std::memory_order_relaxed);
  return n;
}

void Histogram::render(std::string& out, std::string_view name, std::string_view labels) const {
  const std::string sep = labels.empty() ? "" : ",";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    const std::string le = i < kBoundsMicros.size() ? fmt::format("{}", kBoundsMicros[i] / 1e6) : "+Inf";
    fmt::format_to(std::back_inserter(out), "{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, le, cumulative);
  }
  const std::string braces = labels.empty() ? "" : fmt::format("{{{}}}", labels);
  fmt::format_to(std::back_inserter(out), "{}_sum{} {}\n", name, braces, sumMicros_.load(std::memory_order_relaxed) / 1e6);
  fmt::format_to(std::back_inserter(out), "{}_count{} {}\n", name, braces, cumulative);
}

namespace {

template <typename Map, typename Key>
auto& findOrCreate(Map& map, Key&& key) {
  auto it = map.find(key);
  if (it == map.end()) it = map.emplace(std::forward<Key>(key), std::make_unique<typename Map::mapped_type::element_type>()).first;
  return *it->second;
}

}  // namespace

Counter& MetricsRegistry::requests(std::string_view route, std::string_view service, int code) {
  std::lock_guard lock(mutex_);
  return findOrCreate(requests_, std::make_tuple(std::string(route), std::string(service), code));
}

Histogram& MetricsRegistry::requestDuration(std::string_view route) {
  std::lock_guard lock(mutex_);
  return findOrCreate(requestDuration_, std::string(route));
}

Histogram& MetricsRegistry::upstreamDuration(std::string_view service) {
  std::lock_guard lock(mutex_);
  return findOrCreate(upstreamDuration_, std::string(service));
}

Counter& MetricsRegistry::upstreamRequests(std::string_view service, std::string_view instance, std::string_view outcome) {
  std::lock_guard lock(mutex_);
  return findOrCreate(upstreamRequests_, std::make_tuple(std::string(service), std::string(instance), std::string(outcome)));
}

Counter& MetricsRegistry::rateLimitDecisions(std::string_view route, std::string_view result) {
  std::lock_guard lock(mutex_);
  return findOrCreate(rateLimit_, std::make_tuple(std::string(route), std::string(result)));
}

Counter& MetricsRegistry::reloads(std::string_view result) {
  std::lock_guard lock(mutex_);
  return findOrCreate(reloads_, std::string(result));
}

void MetricsRegistry::render(std::string& out) const {
  std::lock_guard lock(mutex_);
  appendFamilyHeader(out, "gateway_config_reloads_total", "Configuration reloads by result.", "counter");
  for (const auto& [result, c] : reloads_) {
    fmt::format_to(std::back_inserter(out), "gateway_config_reloads_total{{{}}} {}\n", prometheusLabels({{"result", result}}), c->get());
  }
  appendFamilyHeader(out, "gateway_ratelimit_decisions_total", "Rate-limit decisions by route and result.", "counter");
  for (const auto& [key, c] : rateLimit_) {
    fmt::format_to(std::back_inserter(out), "gateway_ratelimit_decisions_total{{{}}} {}\n",
                   prometheusLabels({{"route", std::get<0>(key)}, {"result", std::get<1>(key)}}), c->get());
  }
  appendFamilyHeader(out, "gateway_request_duration_seconds",
                     "Time from a request's arrival to its answer, by route.", "histogram");
  for (const auto& [route, h] : requestDuration_) h->render(out, "gateway_request_duration_seconds", prometheusLabels({{"route", route}}));
  appendFamilyHeader(out, "gateway_requests_total", "Requests answered, by route, service and status code.", "counter");
  for (const auto& [key, c] : requests_) {
    fmt::format_to(std::back_inserter(out), "gateway_requests_total{{{}}} {}\n",
                   prometheusLabels({{"route", std::get<0>(key)}, {"service", std::get<1>(key)},
                           {"code", std::to_string(std::get<2>(key))}}),
                   c->get());
  }
  appendFamilyHeader(out, "gateway_upstream_duration_seconds",
                     "Time from sending a request upstream to its result, by service.", "histogram");
  for (const auto& [service, h] : upstreamDuration_) {
    h->render(out, "gateway_upstream_duration_seconds", prometheusLabels({{"service", service}}));
  }
  appendFamilyHeader(out, "gateway_upstream_requests_total",
                     "Upstream attempts by service, instance and outcome.", "counter");
  for (const auto& [key, c] : upstreamRequests_) {
    fmt::format_to(std::back_inserter(out), "gateway_upstream_requests_total{{{}}} {}\n",
                   prometheusLabels({{"service", std::get<0>(key)}, {"instance", std::get<1>(key)}, {"outcome", std::get<2>(key)}}),
                   c->get());
  }
}

std::vector<MetricsRegistry::RequestCount> MetricsRegistry::requestCounts() const {
  std::lock_guard lock(mutex_);
  std::vector<RequestCount> out;
  for (const auto& [key, c] : requests_) out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), c->get()});
  return out;
}

std::vector<MetricsRegistry::UpstreamCount> MetricsRegistry::upstreamCounts() const {
  std::lock_guard lock(mutex_);
  std::vector<UpstreamCount> out;
  for (const auto& [key, c] : upstreamRequests_) out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), c->get()});
  return out;
}

}  // namespace gateway::net
