#include "libgateway/net/recent_requests.h"

#include <algorithm>

#include <fmt/format.h>

#include "libgateway/http/json_escape.h"

#include "libgateway/pipeline/exchange.h"

namespace gateway::net {

// One completed request, as the feed shows it. Slots are reused, so their strings keep their
// capacity and a full ring records without allocating (but for long targets).
struct RecentRequests::Entry {
  std::uint64_t id = 0;
  std::string correlationId, method, target, client, route, consumer, tier, auth, limiter, cache, service, instance,
      breakerTransition, outcome;
  TimePoint start = 0, end = 0;
  Duration upstream = 0;
  std::uint32_t tries = 0;
  bool circuitOpen = false;
  int status = 0;
};

struct RecentRequests::Ring {
  std::mutex mutex;
  std::vector<Entry> slots = std::vector<Entry>(kPerWorker);
  std::size_t next = 0;              // the slot written next
  std::size_t filled = 0;            // slots holding a record
  std::uint64_t overwrittenUpTo = 0;  // the highest id overwritten so far
};

RecentRequests::RecentRequests(std::size_t workers) {
  for (std::size_t i = 0; i < workers; ++i) rings_.push_back(std::make_unique<Ring>());
}

RecentRequests::~RecentRequests() = default;

void RecentRequests::record(std::size_t worker, const Exchange& ex, const Response& response) {
  Ring& ring = *rings_.at(worker);
  std::lock_guard lock(ring.mutex);
  Entry& e = ring.slots[ring.next];
  if (ring.filled == kPerWorker) ring.overwrittenUpTo = std::max(ring.overwrittenUpTo, e.id);
  ring.next = (ring.next + 1) % kPerWorker;
  ring.filled = std::min(ring.filled + 1, kPerWorker);
  // Taken under the ring's lock: a reader that read nextId_ before locking this ring finds
  // every record with a smaller id already in place (see since()).
  e.id = nextId_.fetch_add(1, std::memory_order_relaxed);
  e.correlationId.assign(ex.correlationId.view());
  e.start = ex.start;
  e.end = ex.end;
  e.method.assign(ex.request.method);
  e.target.assign(ex.request.target);
  e.client.assign(ex.request.clientAddress);
  const RouteConfig* route = ex.route();
  e.route.assign(route ? std::string_view(route->name) : std::string_view());
  e.consumer.assign(ex.consumer);
  e.tier.assign(ex.tier);
  e.auth.assign(ex.authMethod);
  if (ex.rateLimit().applied()) e.limiter = ex.rateLimit().decision();
  else e.limiter.clear();
  const auto cache = response.headers.find("X-Cache");
  e.cache.assign(cache ? *cache : std::string_view());
  const UpstreamRecord& call = ex.callRecord();
  if (const ServiceConfig* service = ex.service()) {
    e.service.assign(service->name);
    e.instance.assign(service->instances[call.instanceIndex].id);
    e.upstream = call.tryEnd - call.tryStart;
  } else {
    e.service.clear();
    e.instance.clear();
    e.upstream = 0;
  }
  e.tries = call.tries;
  e.circuitOpen = call.circuitOpen;
  if (call.breakerTransition) {
    const auto& t = *call.breakerTransition;
    e.breakerTransition = fmt::format("{}->{}: {}", toString(t.from), toString(t.to), t.reason);
  } else {
    e.breakerTransition.clear();
  }
  e.outcome.assign(ex.outcome);
  e.status = response.status;
}

std::string RecentRequests::since(std::uint64_t after, TimePoint now) {
  // Keep recording on; never move the window back (two readers).
  const TimePoint until = now + kWatchWindow;
  TimePoint seen = watchedUntil_.load(std::memory_order_relaxed);
  while (seen < until && !watchedUntil_.compare_exchange_weak(seen, until, std::memory_order_relaxed)) {
  }
  // Every id below `limit` was taken before this load, under its ring's lock, so each ring
  // locked below already holds it (or overwrote it); ids from `limit` on wait for the next read.
  const std::uint64_t limit = nextId_.load(std::memory_order_relaxed);
  std::vector<Entry> found;
  bool truncated = false;
  for (const auto& ring : rings_) {
    std::lock_guard lock(ring->mutex);
    if (ring->overwrittenUpTo > after) truncated = true;
    for (std::size_t i = 0; i < ring->filled; ++i) {
      const Entry& e = ring->slots[i];
      if (e.id > after && e.id < limit) found.push_back(e);
    }
  }
  std::sort(found.begin(), found.end(), [](const Entry& a, const Entry& b) { return a.id < b.id; });
  // Written directly (no JSON tree): a watched gateway may send thousands of records a second.
  std::string out;
  out.reserve(128 + found.size() * 512);
  fmt::format_to(std::back_inserter(out), "{{\"last_id\":{},\"truncated\":{},\"watch_ms\":{},\"requests\":[", limit - 1,
                 truncated, kWatchWindow / kMillisecond);
  auto field = [&out](std::string_view name, std::string_view value) {
    out += ",\"";
    out += name;
    out += "\":";
    appendJsonString(out, value);
  };
  for (std::size_t i = 0; i < found.size(); ++i) {
    const Entry& e = found[i];
    fmt::format_to(std::back_inserter(out), "{}{{\"id\":{},\"start_us\":{},\"end_us\":{},\"tries\":{},\"upstream_us\":{},"
                   "\"circuit_open\":{},\"status\":{}",
                   i ? "," : "", e.id, e.start, e.end, e.tries, e.upstream, e.circuitOpen, e.status);
    field("correlation_id", e.correlationId);
    field("method", e.method);
    field("target", e.target);
    field("client", e.client);
    field("route", e.route);
    field("consumer", e.consumer);
    field("tier", e.tier);
    field("auth", e.auth);
    field("limiter", e.limiter);
    field("cache", e.cache);
    field("service", e.service);
    field("instance", e.instance);
    field("breaker_transition", e.breakerTransition);
    field("outcome", e.outcome);
    out += '}';
  }
  out += "]}\n";
  return out;
}

}  // namespace gateway::net
