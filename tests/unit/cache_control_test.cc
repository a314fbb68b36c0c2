// Cache-Control, Expires and Age parsing (RFC 9111) and the storage decision: which answers
// are stored, for how long (s-maxage > max-age > Expires > ttl_s), with which stale windows,
// and what is never stored whatever the route says.
#include <gtest/gtest.h>

#include "libgateway/cache/cache_control.h"
#include "libgateway/cache/cache_policy.h"

namespace gateway {
namespace {

CacheDirectives ccParse(std::string_view value) {
  CacheDirectives d;
  parseCacheControl(value, d);
  return d;
}

TEST(CacheControlParse, DirectivesCaseInsensitiveWithValuesAndQuotes) {
  const CacheDirectives d = ccParse("Public, MAX-AGE=60 , s-maxage=\"120\", stale-while-revalidate=30,stale-if-error=600");
  EXPECT_TRUE(d.isPublic);
  EXPECT_EQ(d.maxAge, 60);
  EXPECT_EQ(d.sMaxAge, 120);
  EXPECT_EQ(d.staleWhileRevalidate, 30);
  EXPECT_EQ(d.staleIfError, 600);
  EXPECT_FALSE(d.noStore || d.noCache || d.isPrivate || d.mustRevalidate);
}

TEST(CacheControlParse, QualifiedFormsCountAsTheDirective) {
  const CacheDirectives d = ccParse("private=\"set-cookie, x-user\", no-cache=\"x-a\", proxy-revalidate");
  EXPECT_TRUE(d.isPrivate);
  EXPECT_TRUE(d.noCache);
  EXPECT_TRUE(d.mustRevalidate);
}

TEST(CacheControlParse, BadAndHugeNumbersAndDuplicates) {
  EXPECT_EQ(ccParse("max-age=abc").maxAge, 0) << "not a number: stale at once";
  EXPECT_EQ(ccParse("max-age").maxAge, 0);
  EXPECT_EQ(ccParse("max-age=-5").maxAge, 0);
  EXPECT_EQ(ccParse("max-age=99999999999999999999999").maxAge, kMaxDeltaSeconds);
  EXPECT_EQ(ccParse("max-age=600, max-age=60").maxAge, 60) << "the most restrictive wins";
  EXPECT_EQ(ccParse(",,, , max-age=5 junk, ,").maxAge, 5);
  EXPECT_FALSE(ccParse("").maxAge.has_value());
  EXPECT_FALSE(ccParse("x-unknown=1, \"no-store\"").noStore);
}

TEST(CacheControlParse, SeveralFieldsCombine) {
  Headers h{{"Cache-Control", "max-age=60"}, {"Cache-Control", "no-store"}};
  const CacheDirectives d = cacheDirectives(h);
  EXPECT_EQ(d.maxAge, 60);
  EXPECT_TRUE(d.noStore);
}

TEST(CacheControlParse, HttpDatesInTheThreeForms) {
  constexpr std::int64_t kSunday1994 = 784111777;  // 1994-11-06 08:49:37 UTC
  EXPECT_EQ(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT"), kSunday1994);
  EXPECT_EQ(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), kSunday1994);
  EXPECT_EQ(parseHttpDate("Sun Nov  6 08:49:37 1994"), kSunday1994);
  EXPECT_EQ(parseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_EQ(parseHttpDate("Tue, 29 Feb 2028 12:00:00 GMT"), 1835438400);
  for (const char* bad : {"0", "", "-1", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 32 Nov 1994 08:49:37 GMT",
                          "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
                          "Sun, 31 Apr 1994 08:49:37 GMT", "Wed, 29 Feb 2023 00:00:00 GMT"}) {
    EXPECT_FALSE(parseHttpDate(bad).has_value()) << bad;
  }
}

TEST(CacheControlParse, AgeAndRequestDirectives) {
  EXPECT_EQ(ageSeconds(Headers{{"Age", " 42 "}}), 42);
  EXPECT_EQ(ageSeconds(Headers{{"Age", "x"}}), 0);
  EXPECT_FALSE(ageSeconds(Headers{}).has_value());

  EXPECT_TRUE(requestCacheControl(Headers{{"Cache-Control", "no-store"}}).noStore);
  EXPECT_TRUE(requestCacheControl(Headers{{"Cache-Control", "no-cache"}}).noCache);
  EXPECT_TRUE(requestCacheControl(Headers{{"Cache-Control", "max-age=0"}}).noCache);
  EXPECT_EQ(requestCacheControl(Headers{{"Cache-Control", "max-age=30"}}).maxAge, 30);
  EXPECT_TRUE(requestCacheControl(Headers{{"Pragma", "no-cache"}}).noCache);
  EXPECT_FALSE(requestCacheControl(Headers{{"Pragma", "no-cache"}, {"Cache-Control", "max-age=5"}}).noCache)
      << "Pragma counts only without Cache-Control";
}

// The decision for a 200 JSON answer with `headers`, at Unix time 1,000,000 s.
StoreDecision decideFor(const CacheSettings& s, Headers headers, int status = 200) {
  headers.add("Content-Type", "application/json");
  ResponseFacts f;
  f.status = status;
  f.headers = &headers;
  f.bodyBytes = 10;
  f.unixNow = 1'000'000;
  return decideStorage(s, f, captureVary(headers, Headers{}));
}

TEST(CacheStorageDecision, FreshnessOrderWhenRespectingCacheControl) {
  CacheSettings s;
  s.respectCacheControl = true;
  s.ttl = seconds(300);
  EXPECT_EQ(decideFor(s, {{"Cache-Control", "max-age=60, s-maxage=120"}}).lifetime, seconds(120));
  EXPECT_EQ(decideFor(s, {{"Cache-Control", "max-age=60"}, {"Expires", "Thu, 01 Jan 1970 00:00:00 GMT"}}).lifetime, seconds(60));
  // Expires - Date; without Date, Expires - now.
  EXPECT_EQ(decideFor(s, {{"Expires", "Thu, 01 Jan 1970 00:01:40 GMT"}, {"Date", "Thu, 01 Jan 1970 00:00:00 GMT"}}).lifetime,
            seconds(100));
  EXPECT_EQ(decideFor(s, {{"Expires", "Mon, 12 Jan 1970 13:50:00 GMT"}}).lifetime, seconds(1'000'000 + 200 - 1'000'000));
  EXPECT_EQ(decideFor(s, {{"Expires", "0"}}).reason, "expired") << "an invalid Expires is in the past";
  EXPECT_EQ(decideFor(s, {}).lifetime, seconds(300)) << "no freshness information: the route's ttl_s";
  // The upstream's Age counts against the lifetime.
  const StoreDecision aged = decideFor(s, {{"Cache-Control", "max-age=60"}, {"Age", "20"}});
  EXPECT_TRUE(aged.store);
  EXPECT_EQ(aged.initialAge, seconds(20));
  EXPECT_EQ(decideFor(s, {{"Cache-Control", "max-age=60"}, {"Age", "61"}}).reason, "expired");
  EXPECT_EQ(decideFor(s, {{"Cache-Control", "no-cache"}}).reason, "no_cache");
}

TEST(CacheStorageDecision, StaleWindowsFromTheRouteOrTheAnswer) {
  CacheSettings s;
  s.staleWhileRevalidate = seconds(5);
  s.staleIfError = seconds(50);
  StoreDecision d = decideFor(s, {{"Cache-Control", "max-age=1, stale-while-revalidate=99"}});
  EXPECT_EQ(d.staleWhileRevalidate, seconds(5)) << "Cache-Control is not respected: the route's windows";
  EXPECT_EQ(d.lifetime, seconds(300)) << "nor its max-age";
  s.respectCacheControl = true;
  d = decideFor(s, {{"Cache-Control", "max-age=1, stale-while-revalidate=99"}});
  EXPECT_EQ(d.staleWhileRevalidate, seconds(99));
  EXPECT_EQ(d.staleIfError, seconds(50));
  d = decideFor(s, {{"Cache-Control", "max-age=1, stale-if-error=7, must-revalidate"}});
  EXPECT_EQ(d.staleWhileRevalidate, 0) << "must-revalidate forbids stale answers";
  EXPECT_EQ(d.staleIfError, 0);
  EXPECT_TRUE(decideFor(s, {{"Cache-Control", "max-age=0, stale-if-error=60"}}).store)
      << "stale at once but usable on error";
}

TEST(CacheStorageDecision, NeverStoredWhateverTheRouteSays) {
  CacheSettings s;  // respect_cache_control false
  EXPECT_EQ(decideFor(s, {{"Cache-Control", "no-store"}}).reason, "no_store");
  EXPECT_EQ(decideFor(s, {{"Cache-Control", "private, max-age=60"}}).reason, "private");
  EXPECT_EQ(decideFor(s, {{"Set-Cookie", "sid=1"}}).reason, "set_cookie");
  EXPECT_EQ(decideFor(s, {{"Vary", "Accept, *"}}).reason, "vary_star");
  EXPECT_EQ(decideFor(s, {}, 429).reason, "status");
  EXPECT_EQ(decideFor(s, {}, 500).reason, "status");
  EXPECT_TRUE(decideFor(s, {}, 404).store);
  s.contentTypes = {"text/*"};
  EXPECT_EQ(decideFor(s, {}).reason, "content_type");
  s.contentTypes = {"application/json"};
  EXPECT_TRUE(decideFor(s, {}).store);

  Headers h{{"Content-Type", "Application/JSON; charset=utf-8"}};
  ResponseFacts f;
  f.headers = &h;
  EXPECT_TRUE(decideStorage(s, f, {}).store) << "media types compare without case or parameters";
  f.fromUpstream = false;
  EXPECT_EQ(decideStorage(s, f, {}).reason, "gateway_error");
  f.fromUpstream = true;
  f.wholeBody = false;
  EXPECT_EQ(decideStorage(s, f, {}).reason, "too_large");
  f.wholeBody = true;
  f.bodyBytes = s.maxEntryBytes + 1;
  EXPECT_EQ(decideStorage(s, f, {}).reason, "too_large");
}

TEST(CachedResponseFreshness, AgeFreshStaleAndDeadWithLiteralTimes) {
  CachedResponse e;
  e.storedAt = seconds(100);
  e.initialAge = seconds(2);
  e.lifetime = seconds(10);
  e.staleWhileRevalidate = seconds(5);
  e.staleIfError = seconds(20);
  EXPECT_EQ(e.age(seconds(100)), seconds(2));
  EXPECT_TRUE(e.fresh(seconds(107)));
  EXPECT_FALSE(e.fresh(seconds(108)));
  EXPECT_TRUE(e.revalidatable(seconds(108)));
  EXPECT_TRUE(e.revalidatable(seconds(112) + seconds(1) - 1));
  EXPECT_FALSE(e.revalidatable(seconds(113)));
  EXPECT_TRUE(e.usableOnError(seconds(127)));
  EXPECT_FALSE(e.usableOnError(seconds(128)));
  EXPECT_FALSE(e.dead(seconds(127)));
  EXPECT_TRUE(e.dead(seconds(128)));
  const Response r = cachedAnswer(e, seconds(105), false, CacheHeaderStyle::kKong, CacheResult::kExpired);
  EXPECT_EQ(r.headers.get("age"), "7");
  EXPECT_EQ(r.headers.get("x-cache-status"), "Refresh");
}

}  // namespace
}  // namespace gateway
