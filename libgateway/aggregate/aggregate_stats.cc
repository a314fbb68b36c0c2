#include "libgateway/aggregate/aggregate_stats.h"

#include <nlohmann/json.hpp>

#include "libgateway/http/prometheus_text.h"

namespace gateway {

namespace {

constexpr std::string_view kAggregateKindNames[] = {"complete", "partial", "failed"};

}  // namespace

void AggregateStats::record(const AggregateSpec& spec, AggregateKind kind, const std::vector<PartResult>& results) {
  std::lock_guard lock(mutex_);
  RouteCounters& route = routes_[spec.route];
  ++route.answers[static_cast<std::size_t>(kind)];
  for (std::size_t i = 0; i < spec.parts.size() && i < results.size(); ++i) {
    PartCounters& part = route.parts[spec.parts[i].name];
    const PartResult& r = results[i];
    ++part.statuses[static_cast<std::size_t>(r.status)];
    if (r.ran) {
      ++part.calls;
      part.latencySum += r.elapsed;
    }
  }
}

void AggregateStats::snapshot(TimePoint /*now*/, nlohmann::json& out) const {
  std::lock_guard lock(mutex_);
  nlohmann::json routes = nlohmann::json::object();
  std::array<std::uint64_t, 3> totals{};
  for (const auto& [name, route] : routes_) {
    nlohmann::json r = nlohmann::json::object();
    for (std::size_t k = 0; k < totals.size(); ++k) {
      r[kAggregateKindNames[k]] = route.answers[k];
      totals[k] += route.answers[k];
    }
    nlohmann::json parts = nlohmann::json::object();
    for (const auto& [partName, part] : route.parts) {
      nlohmann::json p = nlohmann::json::object();
      for (std::size_t s = 0; s < kPartStatusCount; ++s) p[toString(static_cast<PartStatus>(s))] = part.statuses[s];
      p["calls"] = part.calls;
      p["latency_ms_sum"] = static_cast<double>(part.latencySum) / kMillisecond;
      parts[partName] = std::move(p);
    }
    r["parts"] = std::move(parts);
    routes[name] = std::move(r);
  }
  nlohmann::json t = nlohmann::json::object();
  for (std::size_t k = 0; k < totals.size(); ++k) t[kAggregateKindNames[k]] = totals[k];
  out = {{"routes", std::move(routes)}, {"totals", std::move(t)}};
}

void AggregateStats::metrics(TimePoint /*now*/, std::string& out) const {
  std::lock_guard lock(mutex_);
  if (routes_.empty()) return;
  appendFamilyHeader(out, "gateway_aggregate_answers_total", "Answers of aggregation routes, by result", "counter");
  for (const auto& [name, route] : routes_) {
    for (std::size_t k = 0; k < route.answers.size(); ++k) {
      appendSample(out, "gateway_aggregate_answers_total", prometheusLabels({{"route", name}, {"result", kAggregateKindNames[k]}}),
                   route.answers[k]);
    }
  }
  appendFamilyHeader(out, "gateway_aggregate_parts_total", "Parts of aggregation answers, by part status", "counter");
  for (const auto& [name, route] : routes_) {
    for (const auto& [partName, part] : route.parts) {
      for (std::size_t s = 0; s < kPartStatusCount; ++s) {
        appendSample(out, "gateway_aggregate_parts_total",
                     prometheusLabels({{"route", name}, {"part", partName}, {"status", toString(static_cast<PartStatus>(s))}}),
                     part.statuses[s]);
      }
    }
  }
  appendFamilyHeader(out, "gateway_aggregate_part_duration_seconds", "Time of the parts' calls, start to end of answer",
                     "summary");
  for (const auto& [name, route] : routes_) {
    for (const auto& [partName, part] : route.parts) {
      const std::string labels = prometheusLabels({{"route", name}, {"part", partName}});
      appendSample(out, "gateway_aggregate_part_duration_seconds_sum", labels, static_cast<double>(part.latencySum) / kSecond);
      appendSample(out, "gateway_aggregate_part_duration_seconds_count", labels, part.calls);
    }
  }
}

}  // namespace gateway
