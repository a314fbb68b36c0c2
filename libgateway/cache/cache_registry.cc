#include "libgateway/cache/cache_registry.h"

#include <fmt/format.h>

#include "libgateway/config/json_reader.h"
#include "libgateway/http/path_normalize.h"
#include "libgateway/http/prometheus_text.h"
#include "libgateway/pipeline/shared_state.h"

namespace gateway {

namespace {

CacheStore::Limits storeLimits(const CacheSettings& s) {
  CacheStore::Limits l;
  l.maxBytes = s.maxBytes;
  l.maxEntries = s.maxEntries;
  l.maxEntryBytes = s.maxEntryBytes;
  return l;
}

constexpr std::string_view kSnapshotKeys[] = {
    "entries", "bytes", "max_bytes", "max_entries", "hits", "misses", "expired", "stale_served",
    "bypass", "coalesced", "stores", "evictions", "fills_in_flight", "purged", "refreshes"};

std::uint64_t load(const std::atomic<std::uint64_t>& v) { return v.load(std::memory_order_relaxed); }

nlohmann::json routeSnapshot(const RouteCache& cache) {
  const CacheCounters& c = cache.counters();
  const CacheStore& store = cache.store();
  return {{"entries", store.entries()},        {"bytes", store.bytes()},
          {"max_bytes", store.limits().maxBytes}, {"max_entries", store.limits().maxEntries},
          {"hits", load(c.hits)},              {"misses", load(c.misses)},
          {"expired", load(c.expired)},        {"stale_served", load(c.staleServed)},
          {"bypass", load(c.bypass)},          {"coalesced", load(c.coalesced)},
          {"stores", load(c.stores)},          {"evictions", store.evictions()},
          {"fills_in_flight", cache.fills()->inFlight()}, {"purged", load(c.purged)},
          {"refreshes", load(c.refreshes)}};
}

PurgeResult purgeError(int status, std::string_view code, std::string message) {
  PurgeResult r;
  r.status = status;
  r.body = {{"error", {{"status", status}, {"code", code}, {"message", std::move(message)}}}};
  return r;
}

}  // namespace

RouteCache::RouteCache(std::string route, std::shared_ptr<const CacheSettings> settings)
    : route_(std::move(route)),
      settings_(std::move(settings)),
      store_(storeLimits(*settings_)),
      fills_(std::make_shared<FillRegistry>()) {}

void RouteCache::count(CacheResult result) {
  switch (result) {
    case CacheResult::kHit: counters_.hits.fetch_add(1, std::memory_order_relaxed); return;
    case CacheResult::kMiss: counters_.misses.fetch_add(1, std::memory_order_relaxed); return;
    case CacheResult::kStale: counters_.staleServed.fetch_add(1, std::memory_order_relaxed); return;
    case CacheResult::kBypass: counters_.bypass.fetch_add(1, std::memory_order_relaxed); return;
    case CacheResult::kExpired: counters_.expired.fetch_add(1, std::memory_order_relaxed); return;
  }
}

FillOutcome RouteCache::offer(const std::string& key, std::string_view path, const Headers& request,
                              const Response& response, const OfferFacts& facts) {
  VaryCapture vary = captureVary(response.headers, request);
  ResponseFacts rf;
  rf.status = response.status;
  rf.headers = &response.headers;
  rf.bodyBytes = response.body.size();
  rf.wholeBody = facts.wholeBody && !response.stream;
  rf.fromUpstream = facts.fromUpstream;
  rf.unixNow = facts.unixNow;
  rf.fetchTime = facts.fetchTime;
  const StoreDecision decision = decideStorage(*settings_, rf, vary);
  FillOutcome outcome;
  if (!decision.store) {
    outcome.upstreamFailed = errorForStaleIfError(response.status, facts.fromUpstream);
    return outcome;
  }
  auto entry = makeCachedResponse(response, decision, std::string(path), std::move(vary), facts.now, key.size());
  if (store_.epoch() == facts.epoch && store_.insert(key, entry)) counters_.stores.fetch_add(1, std::memory_order_relaxed);
  outcome.entry = std::move(entry);
  return outcome;
}

std::shared_ptr<RouteCache> CacheRegistry::forRoute(const std::string& name,
                                                    const std::shared_ptr<const CacheSettings>& settings) {
  std::lock_guard lock(mutex_);
  auto& cache = caches_[name];
  if (!cache || !(cache->settings() == *settings)) cache = std::make_shared<RouteCache>(name, settings);
  return cache;
}

std::map<std::string, std::shared_ptr<RouteCache>, std::less<>> CacheRegistry::current() const {
  const auto runtime = shared_.runtime();
  std::map<std::string, std::shared_ptr<RouteCache>, std::less<>> next;
  std::lock_guard lock(mutex_);
  for (const RouteConfig& route : runtime->config().routes) {
    if (slot_ >= route.extensions.size() || !route.extensions[slot_]) continue;
    auto settings = std::static_pointer_cast<const CacheSettings>(route.extensions[slot_]);
    auto it = caches_.find(route.name);
    if (it != caches_.end() && it->second->settings() == *settings) next.emplace(route.name, it->second);
    else next.emplace(route.name, std::make_shared<RouteCache>(route.name, settings));
  }
  caches_ = next;
  return next;
}

std::shared_ptr<RouteCache> CacheRegistry::find(std::string_view name) const {
  auto caches = current();
  const auto it = caches.find(name);
  return it == caches.end() ? nullptr : it->second;
}

void CacheRegistry::forget(const Scheduler& scheduler) const {
  std::lock_guard lock(mutex_);
  for (const auto& [name, cache] : caches_) cache->fills()->forget(scheduler);
}

void CacheRegistry::snapshot(TimePoint /*now*/, nlohmann::json& out) const {
  nlohmann::json routes = nlohmann::json::object();
  nlohmann::json totals = nlohmann::json::object();
  for (std::string_view key : kSnapshotKeys) totals[std::string(key)] = std::uint64_t{0};
  for (const auto& [name, cache] : current()) {
    nlohmann::json r = routeSnapshot(*cache);
    for (std::string_view key : kSnapshotKeys) {
      const std::string k(key);
      totals[k] = totals[k].get<std::uint64_t>() + r[k].get<std::uint64_t>();
    }
    routes[name] = std::move(r);
  }
  out = {{"routes", std::move(routes)}, {"totals", std::move(totals)}};
}

void CacheRegistry::metrics(TimePoint /*now*/, std::string& out) const {
  const auto caches = current();
  appendFamilyHeader(out, "gateway_cache_requests_total", "Requests on cached routes by what the cache did", "counter");
  for (const auto& [name, cache] : caches) {
    const CacheCounters& c = cache->counters();
    const std::pair<std::string_view, std::uint64_t> results[] = {
        {"hit", load(c.hits)},           {"miss", load(c.misses)},   {"expired", load(c.expired)},
        {"stale", load(c.staleServed)}, {"bypass", load(c.bypass)}, {"coalesced", load(c.coalesced)}};
    for (const auto& [result, value] : results) {
      appendSample(out, "gateway_cache_requests_total", prometheusLabels({{"route", name}, {"result", result}}), value);
    }
  }
  appendFamilyHeader(out, "gateway_cache_entries", "Entries in the route's response cache", "gauge");
  for (const auto& [name, cache] : caches) {
    appendSample(out, "gateway_cache_entries", prometheusLabels({{"route", name}}), cache->store().entries());
  }
  appendFamilyHeader(out, "gateway_cache_bytes", "Bytes the route's response cache counts for its entries", "gauge");
  for (const auto& [name, cache] : caches) {
    appendSample(out, "gateway_cache_bytes", prometheusLabels({{"route", name}}), cache->store().bytes());
  }
  appendFamilyHeader(out, "gateway_cache_evictions_total", "Entries evicted to stay within the cache's bounds", "counter");
  for (const auto& [name, cache] : caches) {
    appendSample(out, "gateway_cache_evictions_total", prometheusLabels({{"route", name}}), cache->store().evictions());
  }
  appendFamilyHeader(out, "gateway_cache_coalesced_total", "Requests answered from another request's fill", "counter");
  for (const auto& [name, cache] : caches) {
    appendSample(out, "gateway_cache_coalesced_total", prometheusLabels({{"route", name}}), load(cache->counters().coalesced));
  }
}

PurgeResult purgeResponseCache(SharedState& shared, std::string_view body) {
  FieldErrors errors;
  const auto doc = parseJsonText(body, errors);
  if (!doc) return purgeError(400, "bad_request", "the body is not JSON: " + errors.text());
  JsonReader r(*doc, "", errors);
  const auto route = r.string("route", true);
  const auto path = r.string("path");
  const auto prefix = r.string("prefix");
  r.finish();
  if (path && prefix) errors.add("/prefix", "give \"path\" or \"prefix\", not both");
  if (path && !path->starts_with('/')) errors.add("/path", "a path starts with '/'");
  if (prefix && !prefix->starts_with('/')) errors.add("/prefix", "a prefix starts with '/'");
  if (!errors.empty()) {
    const std::string message = errors.list().front().str();
    PurgeResult result = purgeError(400, "bad_request", message);
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : errors.list()) list.push_back({{"path", e.path}, {"message", e.message}});
    result.body["errors"] = std::move(list);
    return result;
  }
  const auto registry = shared.findStageShared<CacheRegistry>("cache");
  const auto cache = registry ? registry->find(*route) : nullptr;
  if (!cache) return purgeError(404, "unknown_route", fmt::format("no route \"{}\" with a response cache", *route));
  std::size_t purged = 0;
  if (path) {
    // Entries are stored under the normalised path: purge by the same spelling.
    PathNormalization norm = normalizePath(*path);
    if (!norm.ok()) return purgeError(400, "bad_request", "/path: " + norm.error);
    purged = cache->store().purgePath(norm.changed ? norm.value : *path);
  } else if (prefix) {
    purged = cache->store().purgePrefix(*prefix);
  } else {
    purged = cache->store().purgeAll();
  }
  cache->counters().purged.fetch_add(purged, std::memory_order_relaxed);
  PurgeResult result;
  result.body = {{"purged", purged}};
  return result;
}

}  // namespace gateway
