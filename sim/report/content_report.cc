#include "sim/report/content_report.h"

#include <algorithm>

#include <fmt/format.h>

#include "sim/report/run_result.h"
#include "sim/scenario/scenario.h"

namespace gwsim {

std::optional<double> CacheCounters::hitRatio() const {
  const std::uint64_t lookups = hits + misses + expired;
  if (lookups == 0) return std::nullopt;
  return static_cast<double>(hits) / static_cast<double>(lookups);
}

CacheCounters CacheCounters::fromJson(const nlohmann::json& j) {
  const auto count = [&](const char* key) -> std::uint64_t {
    const auto it = j.find(key);
    return it != j.end() && it->is_number_integer() && it->get<std::int64_t>() > 0 ? it->get<std::uint64_t>() : 0;
  };
  CacheCounters c;
  c.hits = count("hits");
  c.misses = count("misses");
  c.expired = count("expired");
  c.staleServed = count("stale_served");
  c.bypass = count("bypass");
  c.coalesced = count("coalesced");
  return c;
}

std::optional<CacheCounters> ContentReport::cacheTotals() const {
  if (!cache.is_object() || !cache.contains("totals")) return std::nullopt;
  return CacheCounters::fromJson(cache["totals"]);
}

std::optional<CacheCounters> ContentReport::cacheRoute(const std::string& route) const {
  if (!cache.is_object() || !cache.contains("routes") || !cache["routes"].contains(route)) return std::nullopt;
  return CacheCounters::fromJson(cache["routes"][route]);
}

std::optional<double> ContentReport::fetchesPerStampede() const {
  if (!stampede || stampedeBursts == 0) return std::nullopt;
  return static_cast<double>(stampedeFetches) / static_cast<double>(stampedeBursts);
}

std::uint64_t ContentReport::upstreamTotal() const {
  std::uint64_t n = 0;
  for (const auto& [_, v] : upstreamRequests) n += v;
  return n;
}

nlohmann::json ContentReport::toJson() const {
  nlohmann::json j = {{"bytes_to_clients", bytesToClients},
                      {"bytes_by_route", routeBytes},
                      {"bytes_by_group", groupBytes},
                      {"upstream_requests", upstreamRequests},
                      {"upstream_requests_total", upstreamTotal()},
                      {"upstream_saved", upstreamSaved},
                      {"partial_answers", partialAnswers}};
  if (!cache.is_null()) {
    j["cache"] = cache;
    const auto ratio = cacheTotals() ? cacheTotals()->hitRatio() : std::nullopt;
    j["cache_hit_ratio"] = ratio ? nlohmann::json(*ratio) : nlohmann::json(nullptr);
  }
  if (stampede) {
    const auto per = fetchesPerStampede();
    j["stampede"] = {{"fetches", stampedeFetches}, {"bursts", stampedeBursts},
                     {"fetches_per_stampede", per ? nlohmann::json(*per) : nlohmann::json(nullptr)}};
  }
  return j;
}

bool hasRouteField(const Scenario& s, const char* field) {
  const auto routes = s.gatewayJson.find("routes");
  if (routes == s.gatewayJson.end() || !routes->is_array()) return false;
  return std::any_of(routes->begin(), routes->end(),
                     [&](const nlohmann::json& r) { return r.is_object() && r.contains(field) && !r[field].is_null(); });
}

bool reportsContent(const Scenario& s) {
  return s.stampede || std::any_of(s.services.begin(), s.services.end(), [](const ServiceModelSpec& m) { return m.content.has_value(); }) ||
         hasRouteField(s, "cache") || hasRouteField(s, "aggregate") || hasRouteField(s, "transform");
}

bool answeredFromCache(const gateway::Response& response) {
  const std::string_view x = response.headers.get("X-Cache");
  if (x == "HIT" || x == "STALE") return true;
  const std::string_view kong = response.headers.get("X-Cache-Status");
  return kong == "Hit" || kong == "Stale";
}

bool partialAnswer(const gateway::Response& response) {
  return response.status >= 200 && response.status < 300 && response.headers.get("X-KrakenD-Completed") == "false";
}

std::string formatContentSummary(const ContentReport& c) {
  std::string out = fmt::format("bytes to clients: {}", c.bytesToClients);
  for (const auto& [group, n] : c.groupBytes) out += fmt::format("; {} {}", group, n);
  out += fmt::format("\nupstream requests: {}", c.upstreamTotal());
  for (const auto& [service, n] : c.upstreamRequests) out += fmt::format("; {} {}", service, n);
  out += fmt::format("; saved (answered from the cache) {}; partial answers {}\n", c.upstreamSaved, c.partialAnswers);
  if (const auto t = c.cacheTotals()) {
    const auto ratio = t->hitRatio();
    out += fmt::format("cache: {} hits, {} misses, {} expired, {} stale served, {} coalesced; hit ratio {}\n", t->hits,
                       t->misses, t->expired, t->staleServed, t->coalesced,
                       ratio ? fmt::format("{:.3f}", *ratio) : std::string("-"));
  }
  if (c.stampede) {
    const auto per = c.fetchesPerStampede();
    out += fmt::format("stampede: {} upstream fetches in {} bursts ({} per stampede)\n", c.stampedeFetches,
                       c.stampedeBursts, per ? fmt::format("{:.2f}", *per) : std::string("-"));
  }
  return out;
}

bool isContentMetric(const std::string& name) {
  static const char* const kNames[] = {"bytes_to_clients", "mean_body_bytes", "upstream_requests", "upstream_saved",
                                       "partial_answers", "fetches_per_stampede"};
  return name.rfind("cache_", 0) == 0 || std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

std::optional<double> contentMetric(const RunResult& r, const std::string& name,
                                    const std::map<std::string, std::string>& labels) {
  const ContentReport& c = r.content;
  if (!c.enabled) return std::nullopt;
  const auto label = [&](const char* key) -> const std::string* {
    const auto it = labels.find(key);
    return it == labels.end() ? nullptr : &it->second;
  };
  const auto valueIn = [](const std::map<std::string, std::uint64_t>& m, const std::string& key) {
    const auto it = m.find(key);
    return static_cast<double>(it == m.end() ? 0 : it->second);
  };
  if (name == "bytes_to_clients" || name == "mean_body_bytes") {
    double bytes = static_cast<double>(c.bytesToClients);
    const LatencyStats* stats = &r.total;
    if (const std::string* route = label("route")) {
      const auto it = r.routes.find(*route);
      if (it == r.routes.end()) return std::nullopt;
      bytes = valueIn(c.routeBytes, *route);
      stats = &it->second;
    } else if (const std::string* group = label("group")) {
      const auto it = r.groups.find(*group);
      if (it == r.groups.end()) return std::nullopt;
      bytes = valueIn(c.groupBytes, *group);
      stats = &it->second;
    }
    if (name == "bytes_to_clients") return bytes;
    return stats->statuses.total ? bytes / static_cast<double>(stats->statuses.total) : 0.0;
  }
  if (name == "upstream_requests") {
    if (const std::string* service = label("service")) return valueIn(c.upstreamRequests, *service);
    return static_cast<double>(c.upstreamTotal());
  }
  if (name == "upstream_saved") return static_cast<double>(c.upstreamSaved);
  if (name == "partial_answers") return static_cast<double>(c.partialAnswers);
  if (name == "fetches_per_stampede") return c.fetchesPerStampede();
  if (name.rfind("cache_", 0) == 0) {
    const std::string* route = label("route");
    const auto counters = route ? c.cacheRoute(*route) : c.cacheTotals();
    if (!counters) return std::nullopt;
    if (name == "cache_hit_ratio") return counters->hitRatio();
    if (name == "cache_hits") return static_cast<double>(counters->hits);
    if (name == "cache_misses") return static_cast<double>(counters->misses);
    if (name == "cache_coalesced") return static_cast<double>(counters->coalesced);
    if (name == "cache_stale_served") return static_cast<double>(counters->staleServed);
  }
  return std::nullopt;
}

}  // namespace gwsim
