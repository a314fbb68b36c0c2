#include "tools/gwdash/model/cache_model.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "libgateway/aggregate/aggregate_config.h"
#include "libgateway/pipeline/stage_list.h"

namespace gwdash {

namespace {

const gateway::AggregateSpec* cacheModelAggregateSpec(const gateway::RouteConfig& route) {
  const auto stages = gateway::standardStages();
  for (std::size_t slot = 0; slot < stages.size(); ++slot) {
    if (stages[slot].name == "aggregate") return route.extension<gateway::AggregateSpec>(slot);
  }
  return nullptr;
}

// What a cumulative counter grew by; a counter that went back restarted from zero (a new
// store after a config change), so all of it is new.
std::uint64_t cacheModelDelta(std::uint64_t now, std::uint64_t before) { return now >= before ? now - before : now; }

std::size_t cacheModelStatusClass(int status) {
  if (status >= 200 && status < 300) return 0;
  if (status >= 400 && status < 500) return 1;
  if (status >= 500) return 2;
  return 3;
}

}  // namespace

double CacheRouteView::hitShare() const {
  const double served = static_cast<double>(total[kCacheHits] + total[kCacheStale] + total[kCacheCoalesced]);
  const double all = served + static_cast<double>(total[kCacheMisses]);
  return all == 0 ? 0.0 : served / all;
}

AggregatePartView* AggregateRouteView::part(const std::string& name) {
  for (auto& p : parts) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

void CacheModel::reset(const DashboardContext& context) {
  simulated_ = context.scenario != nullptr;
  now_ = 0;
  totals_ = CacheRouteView{};
  cacheRoutes_.clear();
  aggregateRoutes_.clear();
  seenRoutes_.clear();
  latencies_.clear();
  addConfigured(context);
}

void CacheModel::onConfig(const DashboardContext& context) { addConfigured(context); }

// Aggregation routes and their parts (with the services they call) come from the config, so
// the panel lists them before any traffic.
void CacheModel::addConfigured(const DashboardContext& context) {
  if (!context.config) return;
  for (const auto& rc : context.config->routes) {
    const gateway::AggregateSpec* spec = cacheModelAggregateSpec(rc);
    if (!spec) continue;
    AggregateRouteView& view = aggregateRoutes_[rc.name];
    view.route = rc.name;
    for (const auto& part : spec->parts) {
      AggregatePartView* p = view.part(part.name);
      if (!p) {
        p = &view.parts.emplace_back();
        p->name = part.name;
      }
      p->service = part.service;
    }
  }
}

void CacheModel::onRequest(const RequestRecord& r) {
  const auto it = aggregateRoutes_.find(r.route);
  if (it == aggregateRoutes_.end()) return;
  const double ms = static_cast<double>(r.latency()) / gateway::kMillisecond;
  if (AggregateSecond* s = it->second.seconds.at(simSecondOf(r.end))) {
    ++s->statuses[cacheModelStatusClass(r.status)];
    s->latencyMsSum += ms;
  }
  latencies_.push_back({r.end, r.route, ms});
}

void CacheModel::onSnapshot(gateway::TimePoint now, const nlohmann::json& policies) {
  now_ = now;
  const nlohmann::json& cache = jsonMember(policies, "cache");
  if (cache.is_object()) {
    readCache(now, jsonMember(cache, "totals"), totals_);
    for (const auto& [route, section] : jsonMember(cache, "routes").items()) {
      CacheRouteView& view = cacheRoutes_[route];
      view.route = route;
      readCache(now, section, view);
    }
  }
  const nlohmann::json& aggregate = jsonMember(jsonMember(policies, "aggregate"), "routes");
  if (aggregate.is_object()) {
    for (const auto& [route, section] : aggregate.items()) {
      AggregateRouteView& view = aggregateRoutes_[route];
      view.route = route;
      readAggregate(now, section, view);
    }
  }
  while (!latencies_.empty() && latencies_.front().end <= now - kLatencyWindow) latencies_.pop_front();
  for (auto& [route, view] : aggregateRoutes_) {
    std::vector<double> ms;
    for (const auto& l : latencies_) {
      if (l.route == route && l.end <= now) ms.push_back(l.ms);
    }
    view.p50Ms = quantileOf(ms, 0.50);
    view.p99Ms = quantileOf(ms, 0.99);
  }
}

// The counters of one route (or the totals): the growth since the last snapshot goes to the
// second the snapshot closes ((t - 100 ms, t] belongs to the second before t when t is whole).
void CacheModel::readCache(gateway::TimePoint now, const nlohmann::json& section, CacheRouteView& view) {
  if (!section.is_object()) return;
  const std::string key = "cache:" + view.route;
  const bool counts = simulated_ || seenRoutes_.count(key) > 0;
  seenRoutes_.insert(key);
  CacheSecond* second = view.seconds.at(simSecondOf(now - 1));
  for (std::size_t i = 0; i < kCacheCounterNames.size(); ++i) {
    const std::uint64_t value = jsonCount(section, kCacheCounterNames[i]);
    if (counts && second) second->counts[i] += cacheModelDelta(value, view.total[i]);
    view.total[i] = value;
  }
  view.entries = jsonCount(section, "entries");
  view.bytes = jsonCount(section, "bytes");
  view.maxEntries = jsonCount(section, "max_entries");
  view.maxBytes = jsonCount(section, "max_bytes");
  view.fillsInFlight = jsonCount(section, "fills_in_flight");
  if (second) {
    second->entries = view.entries;
    second->bytes = view.bytes;
  }
}

void CacheModel::readAggregate(gateway::TimePoint now, const nlohmann::json& section, AggregateRouteView& view) {
  if (!section.is_object()) return;
  const std::string key = "aggregate:" + view.route;
  const bool counts = simulated_ || seenRoutes_.count(key) > 0;
  seenRoutes_.insert(key);
  const std::int64_t secondIndex = simSecondOf(now - 1);
  AggregateSecond* second = view.seconds.at(secondIndex);
  static constexpr std::array<const char*, 3> kAnswers = {"complete", "partial", "failed"};
  for (std::size_t k = 0; k < kAnswers.size(); ++k) {
    const std::uint64_t value = jsonCount(section, kAnswers[k]);
    if (counts && second) second->answers[k] += cacheModelDelta(value, view.answers[k]);
    view.answers[k] = value;
  }
  for (const auto& [name, p] : jsonMember(section, "parts").items()) {
    AggregatePartView* part = view.part(name);
    if (!part) {
      part = &view.parts.emplace_back();
      part->name = name;
    }
    PartSecond current{};
    current.calls = jsonCount(p, "calls");
    current.latencyMsSum = jsonNumber(p, "latency_ms_sum");
    for (std::size_t s = 0; s < kPartStatusNames.size(); ++s) current.statuses[s] = jsonCount(p, kPartStatusNames[s]);
    if (counts) {
      if (PartSecond* ps = part->seconds.at(secondIndex)) {
        const bool restarted = current.calls < part->total.calls;
        ps->calls += cacheModelDelta(current.calls, part->total.calls);
        ps->latencyMsSum += restarted ? current.latencyMsSum : current.latencyMsSum - part->total.latencyMsSum;
        for (std::size_t s = 0; s < current.statuses.size(); ++s) ps->statuses[s] += cacheModelDelta(current.statuses[s], part->total.statuses[s]);
      }
    }
    part->total = current;
  }
}

std::string CacheModel::digest() const {
  std::string text = fmt::format("now={}\n", now_);
  auto cacheText = [&](const CacheRouteView& v) {
    text += fmt::format("cache '{}' {} {} {} {} [{}]\n", v.route, v.entries, v.bytes, v.maxEntries, v.maxBytes,
                        fmt::join(v.total, ","));
    for (const auto& p : v.seconds.points()) {
      text += fmt::format(" s{} [{}] {} {}\n", p.second, fmt::join(p.value.counts, ","), p.value.entries, p.value.bytes);
    }
  };
  cacheText(totals_);
  for (const auto& [name, v] : cacheRoutes_) cacheText(v);
  for (const auto& [name, v] : aggregateRoutes_) {
    text += fmt::format("agg {} [{}] p50={:.3f} p99={:.3f}\n", name, fmt::join(v.answers, ","), v.p50Ms, v.p99Ms);
    for (const auto& p : v.seconds.points()) {
      text += fmt::format(" s{} [{}] [{}] {:.3f}\n", p.second, fmt::join(p.value.answers, ","),
                          fmt::join(p.value.statuses, ","), p.value.latencyMsSum);
    }
    for (const auto& part : v.parts) {
      text += fmt::format(" part {} {} {} {:.3f} [{}]\n", part.name, part.service, part.total.calls, part.total.latencyMsSum,
                          fmt::join(part.total.statuses, ","));
      for (const auto& p : part.seconds.points()) {
        text += fmt::format("  s{} {} {:.3f} [{}]\n", p.second, p.value.calls, p.value.latencyMsSum, fmt::join(p.value.statuses, ","));
      }
    }
  }
  return policyDigest(text);
}

}  // namespace gwdash
