#include "libgateway/cache/cache_policy.h"

#include <algorithm>
#include <cstring>

#include "libgateway/cache/cache_control.h"

namespace gateway {

namespace {

// What the store counts for an entry besides its text: the entry and its shared_ptr control
// block, its LRU node, its index slot and key, the allocator's headers (gwbench's
// BM_CacheEntryBytes measures the heap an entry takes; this makes the count match it).
constexpr std::size_t kEntryOverhead = 440;

bool framingField(std::string_view name) {
  for (std::string_view f : {"content-length", "transfer-encoding", "connection", "keep-alive", "age"}) {
    if (iequals(name, f)) return true;
  }
  return false;
}

// The media type of a Content-Type value, lower-case, without parameters.
std::string mediaType(std::string_view value) {
  value = value.substr(0, value.find(';'));
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  return toLower(value);
}

bool contentTypeAllowed(const CacheSettings& settings, const Headers& headers) {
  if (settings.contentTypes.empty()) return true;
  const auto value = headers.find("content-type");
  if (!value) return false;
  const std::string type = mediaType(*value);
  for (const std::string& allowed : settings.contentTypes) {
    if (allowed == type) return true;
    if (allowed.ends_with("/*") && type.size() > allowed.size() - 1 &&
        type.compare(0, allowed.size() - 1, allowed, 0, allowed.size() - 1) == 0) {
      return true;
    }
  }
  return false;
}

StoreDecision refuse(std::string_view reason) {
  StoreDecision d;
  d.reason = reason;
  return d;
}

void appendLength(std::string& out, std::size_t n) {
  const auto v = static_cast<std::uint32_t>(n);
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

std::string_view takeField(std::string_view& text) {
  std::uint32_t n = 0;
  std::memcpy(&n, text.data(), sizeof n);
  const std::string_view field = text.substr(sizeof n, n);
  text.remove_prefix(sizeof n + n);
  return field;
}

}  // namespace

void PackedFields::add(std::string_view name, std::string_view value) {
  appendLength(text_, name.size());
  text_.append(name);
  appendLength(text_, value.size());
  text_.append(value);
  ++count_;
}

void PackedFields::appendTo(Headers& out) const {
  std::string_view text = text_;
  while (!text.empty()) {
    const std::string_view name = takeField(text);
    const std::string_view value = takeField(text);
    out.add(name, value);
  }
}

std::string_view cacheResultName(CacheResult result) {
  switch (result) {
    case CacheResult::kHit: return "hit";
    case CacheResult::kMiss: return "miss";
    case CacheResult::kStale: return "stale";
    case CacheResult::kBypass: return "bypass";
    case CacheResult::kExpired: return "expired";
  }
  return "miss";
}

void setCacheStatus(Headers& headers, CacheHeaderStyle style, CacheResult result) {
  if (style == CacheHeaderStyle::kKong) {
    static constexpr std::string_view kKong[] = {"Hit", "Miss", "Stale", "Bypass", "Refresh"};
    headers.set("X-Cache-Status", kKong[static_cast<int>(result)]);
  } else {
    static constexpr std::string_view kXCache[] = {"HIT", "MISS", "STALE", "BYPASS", "EXPIRED"};
    headers.set("X-Cache", kXCache[static_cast<int>(result)]);
  }
}

StoreDecision decideStorage(const CacheSettings& settings, const ResponseFacts& facts, const VaryCapture& vary) {
  if (!facts.fromUpstream) return refuse("gateway_error");
  if (facts.status == 429 || facts.status < 0 || facts.status >= 600 || !settings.statuses.test(static_cast<std::size_t>(facts.status))) {
    return refuse("status");
  }
  if (!facts.wholeBody || facts.bodyBytes > settings.maxEntryBytes) return refuse("too_large");
  const Headers& h = *facts.headers;
  const CacheDirectives d = cacheDirectives(h);
  // Never stored, whatever the route says: answers for one client only.
  if (d.noStore) return refuse("no_store");
  if (d.isPrivate) return refuse("private");
  if (h.has("set-cookie")) return refuse("set_cookie");
  if (vary.any) return refuse("vary_star");
  if (!contentTypeAllowed(settings, h)) return refuse("content_type");

  StoreDecision out;
  const Duration upstreamAge = seconds(ageSeconds(h).value_or(0));
  out.initialAge = upstreamAge + std::max<Duration>(facts.fetchTime, 0);
  out.staleWhileRevalidate = settings.staleWhileRevalidate;
  out.staleIfError = settings.staleIfError;
  if (settings.respectCacheControl) {
    // The cache does not revalidate with conditional requests: "store but revalidate
    // every time" would never be served.
    if (d.noCache) return refuse("no_cache");
    if (d.sMaxAge) {
      out.lifetime = seconds(*d.sMaxAge);
    } else if (d.maxAge) {
      out.lifetime = seconds(*d.maxAge);
    } else if (const auto expires = h.find("expires")) {
      // An Expires that is not a date (such as "0") is in the past (RFC 9111 5.3).
      const auto at = parseHttpDate(*expires);
      const auto date = h.find("date");
      const auto origin = date ? parseHttpDate(*date) : std::nullopt;
      out.lifetime = at ? seconds(*at - origin.value_or(facts.unixNow)) : 0;
    } else {
      out.lifetime = settings.ttl;
    }
    if (d.staleWhileRevalidate) out.staleWhileRevalidate = seconds(*d.staleWhileRevalidate);
    if (d.staleIfError) out.staleIfError = seconds(*d.staleIfError);
    if (d.mustRevalidate) out.staleWhileRevalidate = out.staleIfError = 0;
  } else {
    // ttl_s counts from the moment it is stored; Age still tells clients how old it is.
    out.lifetime = settings.ttl + out.initialAge;
  }
  if (out.lifetime <= out.initialAge && std::max(out.staleWhileRevalidate, out.staleIfError) <= 0) {
    return refuse("expired");
  }
  out.store = true;
  return out;
}

bool errorForStaleIfError(int status, bool fromUpstream) {
  return !fromUpstream || status == 500 || status == 502 || status == 503 || status == 504;
}

std::shared_ptr<CachedResponse> makeCachedResponse(const Response& response, const StoreDecision& decision,
                                                   std::string path, VaryCapture vary, TimePoint now,
                                                   std::size_t keyBytes) {
  auto entry = std::make_shared<CachedResponse>();
  entry->status = response.status;
  for (const Headers::Field f : response.headers) {
    if (!framingField(f.name)) entry->headers.add(f.name, f.value);
  }
  entry->headers.shrink();
  entry->body = response.body;
  entry->path = std::move(path);
  entry->vary = std::move(vary);
  entry->storedAt = now;
  entry->initialAge = decision.initialAge;
  entry->lifetime = decision.lifetime;
  entry->staleWhileRevalidate = decision.staleWhileRevalidate;
  entry->staleIfError = decision.staleIfError;
  entry->bytes = kEntryOverhead + entry->body.size() + entry->headers.textBytes() + entry->path.size() +
                 entry->vary.bytes() + keyBytes;
  return entry;
}

Response cachedAnswer(const CachedResponse& entry, TimePoint now, bool head, CacheHeaderStyle style, CacheResult result) {
  Response r;
  r.status = entry.status;
  r.headers.reserve(entry.headers.count() + 3, entry.headers.textBytes() + 40);
  entry.headers.appendTo(r.headers);
  r.headers.set("Age", std::to_string(entry.age(now) / kSecond));
  setCacheStatus(r.headers, style, result);
  if (head) {
    r.headers.set("Content-Length", std::to_string(entry.body.size()));
  } else {
    r.body = entry.body;
  }
  return r;
}

}  // namespace gateway
