#include "libgateway/net/recent_requests.h"

#include <algorithm>
#include <charconv>

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
  texts_.resize(workers);
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

namespace {

void appendRecentNumber(std::string& out, std::int64_t v) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, v).ptr);
}

void appendRecentField(std::string& out, std::string_view name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  appendJsonString(out, value);
}

}  // namespace

void RecentRequests::writeEntry(std::string& out, const Entry& e) {
  out += "{\"id\":";
  appendRecentNumber(out, static_cast<std::int64_t>(e.id));
  out += ",\"start_us\":";
  appendRecentNumber(out, e.start);
  out += ",\"end_us\":";
  appendRecentNumber(out, e.end);
  out += ",\"tries\":";
  appendRecentNumber(out, e.tries);
  out += ",\"upstream_us\":";
  appendRecentNumber(out, e.upstream);
  out += e.circuitOpen ? ",\"circuit_open\":true" : ",\"circuit_open\":false";
  out += ",\"status\":";
  appendRecentNumber(out, e.status);
  appendRecentField(out, "correlation_id", e.correlationId);
  appendRecentField(out, "method", e.method);
  appendRecentField(out, "target", e.target);
  appendRecentField(out, "client", e.client);
  appendRecentField(out, "route", e.route);
  appendRecentField(out, "consumer", e.consumer);
  appendRecentField(out, "tier", e.tier);
  appendRecentField(out, "auth", e.auth);
  appendRecentField(out, "limiter", e.limiter);
  appendRecentField(out, "cache", e.cache);
  appendRecentField(out, "service", e.service);
  appendRecentField(out, "instance", e.instance);
  appendRecentField(out, "breaker_transition", e.breakerTransition);
  appendRecentField(out, "outcome", e.outcome);
  out += '}';
}

std::string RecentRequests::since(std::uint64_t after, TimePoint now) {
  std::lock_guard readerLock(readerMutex_);
  // Keep recording on; never move the window back.
  const TimePoint until = now + kWatchWindow;
  TimePoint seen = watchedUntil_.load(std::memory_order_relaxed);
  while (seen < until && !watchedUntil_.compare_exchange_weak(seen, until, std::memory_order_relaxed)) {
  }
  // Every id below `limit` was taken before this load, under its ring's lock, so each ring
  // locked below already holds it (or overwrote it); ids from `limit` on wait for the next read.
  const std::uint64_t limit = nextId_.load(std::memory_order_relaxed);
  // Each ring's records are written as JSON text under its lock (no copies of the records;
  // the text buffers are kept from read to read), then merged in id order.
  pieces_.clear();
  bool truncated = false;
  std::size_t bytes = 0;
  for (std::size_t r = 0; r < rings_.size(); ++r) {
    Ring& ring = *rings_[r];
    std::string& text = texts_[r];
    text.clear();
    std::lock_guard lock(ring.mutex);
    if (ring.overwrittenUpTo > after) truncated = true;
    const std::size_t oldest = ring.filled == kPerWorker ? ring.next : 0;
    for (std::size_t k = 0; k < ring.filled; ++k) {
      const Entry& e = ring.slots[(oldest + k) % kPerWorker];
      if (e.id <= after || e.id >= limit) continue;
      const std::size_t begin = text.size();
      writeEntry(text, e);
      pieces_.push_back({e.id, r, begin, text.size() - begin});
    }
    bytes += text.size();
  }
  std::sort(pieces_.begin(), pieces_.end(), [](const Piece& a, const Piece& b) { return a.id < b.id; });
  std::string out;
  out.reserve(96 + bytes + pieces_.size());
  out += "{\"last_id\":";
  appendRecentNumber(out, static_cast<std::int64_t>(limit - 1));
  out += truncated ? ",\"truncated\":true" : ",\"truncated\":false";
  out += ",\"watch_ms\":";
  appendRecentNumber(out, kWatchWindow / kMillisecond);
  out += ",\"requests\":[";
  for (std::size_t i = 0; i < pieces_.size(); ++i) {
    if (i) out += ',';
    out.append(texts_[pieces_[i].ring], pieces_[i].begin, pieces_[i].size);
  }
  out += "]}\n";
  return out;
}

}  // namespace gateway::net
