// Bytes as an upstream answer's caching fields and a request, into the response cache's
// parsers and keys (libgateway/cache/): Cache-Control, Expires and Age parsing, the storage
// decision, the key, and Vary capture and matching through a store. Input lines:
//   Cache-Control \n Vary \n Expires \n Age \n TARGET \n Name: value \n ...
// (the request's fields; a line without ':' is skipped). Invariants:
//   - delta-seconds values are within [0, 2^31]; a Cache-Control list without quotes parses
//     to the same directives when it is given twice;
//   - an HTTP-date that parses, written again as an IMF-fixdate, parses to the same time;
//   - an answer that says no-store or private, sets a cookie or varies on * is never stored;
//     a stored one is fresh for a while or usable stale;
//   - the key is the same for HEAD and GET, for the query's parameters in any order, and
//     with a field the route does not key on; another identity, path or keyed field value
//     gives another key;
//   - a request matches the variant captured from it (unless Vary: *), and the store finds
//     that entry for it; changing a captured field's value loses the match.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "fuzz_support.h"
#include "libgateway/cache/cache_control.h"
#include "libgateway/cache/cache_store.h"

namespace {

using gateway::fuzz::invariantBroken;

bool sameDirectives(const gateway::CacheDirectives& a, const gateway::CacheDirectives& b) {
  return a.noStore == b.noStore && a.noCache == b.noCache && a.isPrivate == b.isPrivate && a.isPublic == b.isPublic &&
         a.mustRevalidate == b.mustRevalidate && a.onlyIfCached == b.onlyIfCached && a.maxAge == b.maxAge &&
         a.sMaxAge == b.sMaxAge && a.staleWhileRevalidate == b.staleWhileRevalidate && a.staleIfError == b.staleIfError;
}

bool inRange(const std::optional<std::int64_t>& v) { return !v || (*v >= 0 && *v <= gateway::kMaxDeltaSeconds); }

// Unix seconds as an IMF-fixdate, for years 1-9999.
std::string imfFixdate(std::int64_t t) {
  static const char* kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::int64_t days = t / 86400, secs = t % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  const std::int64_t weekday = ((days % 7) + 7) % 7;
  // Howard Hinnant's civil_from_days.
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kDays[weekday], d, kMonths[m - 1], y, secs / 3600,
                     secs / 60 % 60, secs % 60);
}

std::string keyOf(std::string_view method, std::string_view path, std::string_view query, const gateway::Headers& h,
                  const std::vector<std::string>& vary, std::string_view identity) {
  return gateway::cacheKey({method, path, query, &h, &vary, identity});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= input.size() && lines.size() < 64;) {
    const std::size_t end = std::min(input.find('\n', start), input.size());
    lines.push_back(input.substr(start, end - start));
    start = end + 1;
  }
  lines.resize(std::max<std::size_t>(lines.size(), 5));
  const std::string_view cacheControl = lines[0], vary = lines[1], expires = lines[2], age = lines[3];
  const std::string_view target = lines[4];

  // Cache-Control.
  gateway::CacheDirectives once;
  gateway::parseCacheControl(cacheControl, once);
  FUZZ_CHECK(inRange(once.maxAge) && inRange(once.sMaxAge) && inRange(once.staleWhileRevalidate) && inRange(once.staleIfError),
             std::string(cacheControl));
  if (cacheControl.find('"') == std::string_view::npos) {
    gateway::CacheDirectives twice;
    gateway::parseCacheControl(std::string(cacheControl) + ", " + std::string(cacheControl), twice);
    FUZZ_CHECK(sameDirectives(once, twice), std::string(cacheControl));
  }
  // HTTP-dates.
  if (const auto t = gateway::parseHttpDate(expires); t && *t >= -62135596800 && *t <= 253402300799) {
    const std::string again = imfFixdate(*t);
    FUZZ_CHECK(gateway::parseHttpDate(again) == t, std::string(expires) + " -> " + again);
  }

  // The answer and the request.
  gateway::Headers answer{{"Content-Type", "application/json"}};
  answer.add("Cache-Control", cacheControl);
  if (!vary.empty()) answer.add("Vary", vary);
  if (!expires.empty()) answer.add("Expires", expires);
  if (!age.empty()) answer.add("Age", age);
  gateway::Headers request;
  for (std::size_t i = 5; i < lines.size(); ++i) {
    const auto colon = lines[i].find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    request.add(lines[i].substr(0, colon), lines[i].substr(colon + 1));
  }
  const std::string_view path = target.substr(0, target.find('?'));
  const std::string_view query = path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view{};

  // Storage decision.
  gateway::CacheSettings settings;
  settings.respectCacheControl = !cacheControl.empty() && (cacheControl.size() & 1);
  settings.staleIfError = gateway::seconds(static_cast<std::int64_t>(size % 3));
  const gateway::VaryCapture capture = gateway::captureVary(answer, request);
  gateway::ResponseFacts facts;
  facts.headers = &answer;
  facts.unixNow = 1'700'000'000;
  const gateway::StoreDecision decision = gateway::decideStorage(settings, facts, capture);
  const gateway::CacheDirectives d = gateway::cacheDirectives(answer);
  if (decision.store) {
    FUZZ_CHECK(!d.noStore && !d.isPrivate && !capture.any, std::string(cacheControl) + " / " + std::string(vary));
    FUZZ_CHECK(decision.lifetime > decision.initialAge || std::max(decision.staleWhileRevalidate, decision.staleIfError) > 0,
               "stored but of no use");
  } else {
    FUZZ_CHECK(!decision.reason.empty(), "refused without a reason");
  }

  // Keys.
  const std::vector<std::string> keyed = {"accept-language"};
  const std::string key = keyOf("GET", path, query, request, keyed, "");
  FUZZ_CHECK(key == keyOf("HEAD", path, query, request, keyed, ""), "HEAD and GET differ");
  std::vector<std::string_view> params;
  for (std::string_view q = query; !q.empty();) {
    const auto amp = q.find('&');
    params.push_back(q.substr(0, amp));
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  std::reverse(params.begin(), params.end());
  std::string reversed;
  for (std::size_t i = 0; i < params.size(); ++i) reversed += (i ? "&" : "") + std::string(params[i]);
  FUZZ_CHECK(key == keyOf("GET", path, reversed, request, keyed, ""), "query order changed the key: " + std::string(query));
  gateway::Headers more = request;
  more.add("X-Not-Keyed", "1");
  FUZZ_CHECK(key == keyOf("GET", path, query, more, keyed, ""), "an unkeyed field changed the key");
  FUZZ_CHECK(key != keyOf("GET", path, query, request, keyed, "api_key:someone:"), "identity not in the key");
  FUZZ_CHECK(key != keyOf("GET", std::string(path) + "x", query, request, keyed, ""), "path not in the key");
  gateway::Headers otherLanguage = request;
  otherLanguage.set("Accept-Language", std::string(request.get("accept-language")) + "x");
  FUZZ_CHECK(key != keyOf("GET", path, query, otherLanguage, keyed, ""), "a keyed field not in the key");

  // Vary through a store.
  if (!capture.any) {
    FUZZ_CHECK(gateway::varyMatches(capture, request), "a request does not match its own variant");
    gateway::CacheStore::Limits limits;
    limits.maxEntries = 16;
    limits.shards = 1;
    gateway::CacheStore store(limits);
    gateway::Response r;
    gateway::StoreDecision keep;
    keep.store = true;
    keep.lifetime = gateway::seconds(1);
    auto entry = gateway::makeCachedResponse(r, keep, std::string(path), capture, 0, key.size());
    const gateway::CachedResponse* raw = entry.get();
    FUZZ_CHECK(store.insert(key, std::move(entry)), "a small entry was refused");
    FUZZ_CHECK(store.find(key, request).get() == raw, "the store lost the variant");
    if (!capture.fields.empty()) {
      gateway::Headers changed = request;
      const std::string& name = capture.fields.front().first;
      changed.set(name, capture.fields.front().second.value_or("") + "~");
      FUZZ_CHECK(!gateway::varyMatches(capture, changed), "a changed varying field still matches: " + name);
      FUZZ_CHECK(store.find(key, changed) == nullptr, "the store served another variant");
    }
    FUZZ_CHECK(store.purgePath(path) == 1 && store.entries() == 0, "purge by path missed the entry");
  } else {
    FUZZ_CHECK(!gateway::varyMatches(capture, request), "Vary: * matched");
  }
  return 0;
}
