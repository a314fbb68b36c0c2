// The response cache's rules, with no stage knowledge: whether an answer may be stored and
// for how long (RFC 9111 freshness: s-maxage, then max-age, then Expires, when the route
// respects Cache-Control; its ttl_s otherwise), how fresh or stale a stored answer is at a
// given time (RFC 5861 stale-while-revalidate and stale-if-error windows), and the answer a
// stored entry gives. Times are the core clock's (passed in); Unix seconds only for Expires.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "libgateway/cache/cache_key.h"
#include "libgateway/cache/cache_settings.h"
#include "libgateway/core/time.h"
#include "libgateway/http/message.h"

namespace gateway {

// An answer's fields packed in one string (each name and value after its 4-byte length): an
// entry costs its fields' text, not a Headers block sized for a message being built.
class PackedFields {
 public:
  void add(std::string_view name, std::string_view value);
  void appendTo(Headers& out) const;
  std::size_t count() const { return count_; }
  std::size_t textBytes() const { return text_.size(); }
  void shrink() { text_.shrink_to_fit(); }

 private:
  std::string text_;
  std::size_t count_ = 0;
};

// A stored answer: immutable once stored, shared by every worker.
struct CachedResponse {
  int status = 200;
  PackedFields headers;   // the upstream's, without framing fields and Age
  std::string body;
  std::string path;       // the normalised request path (purge by path or prefix)
  VaryCapture vary;
  TimePoint storedAt = 0;
  Duration initialAge = 0;  // its age when stored: the upstream's Age plus the fetch's time
  Duration lifetime = 0;    // fresh while age < lifetime
  Duration staleWhileRevalidate = 0;
  Duration staleIfError = 0;
  std::size_t bytes = 0;    // what the store counts for it (cache_store.h)

  Duration age(TimePoint now) const { return initialAge + (now > storedAt ? now - storedAt : 0); }
  bool fresh(TimePoint now) const { return age(now) < lifetime; }
  // Stale, but within the window in which it may be served while one refresh runs.
  bool revalidatable(TimePoint now) const { return !fresh(now) && age(now) - lifetime < staleWhileRevalidate; }
  // Within the window in which it may be served when the upstream fails.
  bool usableOnError(TimePoint now) const { return staleIfError > 0 && age(now) - lifetime < staleIfError; }
  // Past every window: of no further use.
  bool dead(TimePoint now) const {
    return age(now) - lifetime >= std::max(staleWhileRevalidate, staleIfError);
  }
};

// What the cache says on an answer.
enum class CacheResult { kHit, kMiss, kStale, kBypass, kExpired };
std::string_view cacheResultName(CacheResult result);  // "hit", "miss", ... (metrics labels)
// Sets X-Cache: HIT|MISS|STALE|BYPASS|EXPIRED, or X-Cache-Status: Hit|Miss|Stale|Bypass|Refresh.
void setCacheStatus(Headers& headers, CacheHeaderStyle style, CacheResult result);

struct ResponseFacts {
  int status = 200;
  const Headers* headers = nullptr;
  std::size_t bodyBytes = 0;
  bool wholeBody = true;       // false: it streamed past the stage's limit
  bool fromUpstream = true;    // false: the gateway's own answer (a 502, a 504, a 503 ...)
  std::int64_t unixNow = 0;    // seconds, for Expires
  Duration fetchTime = 0;      // from the request's start to the answer
};

struct StoreDecision {
  bool store = false;
  std::string_view reason;  // why not: "gateway_error", "status", "too_large", "no_store", "private",
                            // "set_cookie", "vary_star", "content_type", "no_cache", "expired"
  Duration lifetime = 0;
  Duration initialAge = 0;
  Duration staleWhileRevalidate = 0;
  Duration staleIfError = 0;
};
StoreDecision decideStorage(const CacheSettings& settings, const ResponseFacts& facts, const VaryCapture& vary);

// A whole answer that may go to another client as it is: upstream answers of 500, 502, 503
// and 504, and every answer of the gateway's own, are errors for stale-if-error.
bool errorForStaleIfError(int status, bool fromUpstream);

// The entry for `response` (copied: the original still goes to its client).
std::shared_ptr<CachedResponse> makeCachedResponse(const Response& response, const StoreDecision& decision,
                                                   std::string path, VaryCapture vary, TimePoint now,
                                                   std::size_t keyBytes);

// The answer an entry gives at `now`: its status, fields and body, Age, and the cache
// status field. A HEAD answer has no body but the GET's Content-Length.
Response cachedAnswer(const CachedResponse& entry, TimePoint now, bool head, CacheHeaderStyle style, CacheResult result);

}  // namespace gateway
