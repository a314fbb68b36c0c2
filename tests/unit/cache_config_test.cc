// The route's "cache" field (every error with its JSON path), the store kept across a
// reload with unchanged settings and replaced when they change, the purge the admin API
// runs, and the "cache" section of the policy report with its metrics.
#include <gtest/gtest.h>

#include "cache_test_support.h"
#include "libgateway/pipeline/policy_report.h"

namespace gateway {
namespace {

using nlohmann::json;
using testing::CacheHarness;
using testing::cacheStatus;
using testing::makeRequest;

// The errors of a config whose "items" route has `cache`, as "path: message" lines.
std::vector<std::string> cacheErrors(const json& cache, const json& methods = nullptr) {
  json doc = testing::cacheConfigJson(cache);
  doc["routes"].erase(2);  // only "items" caches
  if (!methods.is_null()) doc["routes"][0]["match"]["methods"] = methods;
  const ConfigLoad load = loadConfigJson(doc);
  std::vector<std::string> out;
  for (const auto& e : load.errors.list()) out.push_back(e.str());
  return out;
}

bool hasError(const std::vector<std::string>& errors, std::string_view path, std::string_view text = {}) {
  for (const auto& e : errors) {
    if (e.starts_with(std::string(path) + ": ") && e.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(CacheConfig, EveryErrorWithItsPath) {
  const auto errors = cacheErrors({{"ttl_s", 0},
                                   {"statuses", {429, "x", 99, 206, 200}},
                                   {"content_types", {"json", "text/*", "Text/*"}},
                                   {"vary_headers", {"bad header", "Accept"}},
                                   {"max_bytes", 4096},
                                   {"max_entry_bytes", 8192},
                                   {"coalesce_timeout_ms", 0},
                                   {"header_style", "nginx"},
                                   {"tll_s", 5}});
  const std::string at = "/routes/0/cache";
  EXPECT_TRUE(hasError(errors, at + "/ttl_s"));
  EXPECT_TRUE(hasError(errors, at + "/statuses/0", "never stored"));
  EXPECT_TRUE(hasError(errors, at + "/statuses/1", "expected a status code"));
  EXPECT_TRUE(hasError(errors, at + "/statuses/2", "not a final status"));
  EXPECT_TRUE(hasError(errors, at + "/statuses/3", "whole answers"));
  EXPECT_FALSE(hasError(errors, at + "/statuses/4"));
  EXPECT_TRUE(hasError(errors, at + "/content_types/0", "not a media type"));
  EXPECT_TRUE(hasError(errors, at + "/content_types/2", "listed twice"));
  EXPECT_TRUE(hasError(errors, at + "/vary_headers/0", "not a valid header name"));
  EXPECT_TRUE(hasError(errors, at + "/max_entry_bytes", "more than max_bytes"));
  EXPECT_TRUE(hasError(errors, at + "/coalesce_timeout_ms"));
  EXPECT_TRUE(hasError(errors, at + "/header_style"));
  EXPECT_TRUE(hasError(errors, at + "/tll_s", "ttl_s")) << "did you mean";
  EXPECT_EQ(errors.size(), 12u) << ::testing::PrintToString(errors);

  EXPECT_TRUE(hasError(cacheErrors("yes"), at, "object"));
  EXPECT_TRUE(hasError(cacheErrors(json::object(), {"POST"}), at, "no GET or HEAD"));
  EXPECT_TRUE(hasError(cacheErrors({{"statuses", json::array()}}), at + "/statuses", "at least one"));
  EXPECT_TRUE(cacheErrors(json::object(), {"GET", "POST"}).empty());
  EXPECT_TRUE(cacheErrors({{"ttl_s", 300}, {"statuses", {200}}, {"content_types", {"application/json"}},
                           {"vary_headers", {"Accept-Language"}}, {"respect_cache_control", true},
                           {"stale_while_revalidate_s", 10}, {"stale_if_error_s", 60}, {"coalesce", true},
                           {"coalesce_timeout_ms", 5000}, {"max_bytes", 67108864}, {"max_entries", 100000},
                           {"max_entry_bytes", 1048576}, {"header_style", "kong"}})
                  .empty());
}

TEST(CacheConfig, AReloadKeepsTheEntriesWhileTheSettingsStayTheSame) {
  CacheHarness h({{"ttl_s", 60}});
  h.start(makeRequest("GET", "/items/k"));
  h.respondJson("kept");
  json same = testing::cacheConfigJson({{"ttl_s", 60}});
  same["routes"][1]["name"] = "open-renamed";  // another part of the config changes
  h.gateway.reload(testing::mustLoad(same));
  EXPECT_EQ(cacheStatus(h.start(makeRequest("GET", "/items/k"))), "HIT");
  h.gateway.reload(testing::mustLoad(testing::cacheConfigJson({{"ttl_s", 30}})));
  EXPECT_FALSE(h.start(makeRequest("GET", "/items/k"))->has_value()) << "new settings: an empty cache";
}

TEST(CachePurge, AllOnePathOrAPrefixAndTheErrors) {
  CacheHarness h;
  for (const char* target : {"/items/a", "/items/b?x=1", "/items/b?x=2", "/items/b/c", "/items"}) {
    h.start(makeRequest("GET", target));
    h.respondJson(target);
  }
  ASSERT_EQ(h.routeCache()->store().entries(), 5u);
  PurgeResult r = purgeResponseCache(h.shared, R"({"route": "items", "path": "/items/b"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, json({{"purged", 2}}));
  EXPECT_EQ(cacheStatus(h.start(makeRequest("GET", "/items/b/c"))), "HIT");
  EXPECT_EQ(purgeResponseCache(h.shared, R"({"route": "items", "prefix": "/items/"})").body, json({{"purged", 2}}));
  EXPECT_EQ(purgeResponseCache(h.shared, R"({"route": "items", "path": "/items//x/../a"})").body, json({{"purged", 0}}))
      << "normalised like a request path: /items/a is gone already";
  EXPECT_EQ(purgeResponseCache(h.shared, R"({"route": "items"})").body, json({{"purged", 1}}));
  EXPECT_EQ(h.routeCache()->counters().purged.load(), 5u);
  EXPECT_FALSE(h.start(makeRequest("GET", "/items"))->has_value());

  EXPECT_EQ(purgeResponseCache(h.shared, R"({"route": "open"})").status, 404) << "a route without a cache";
  EXPECT_EQ(purgeResponseCache(h.shared, R"({"route": "nope"})").status, 404);
  for (const char* bad : {"", "[]", "{}", R"({"route": 5})", R"({"route": "items", "path": "x"})",
                          R"({"route": "items", "path": "/a", "prefix": "/a"})", R"({"route": "items", "pth": "/a"})"}) {
    const PurgeResult e = purgeResponseCache(h.shared, bad);
    EXPECT_EQ(e.status, 400) << bad;
    EXPECT_EQ(e.body["error"]["code"], "bad_request") << bad;
  }
  EXPECT_NE(purgeResponseCache(h.shared, R"({"route": "items", "pth": "/a"})").body.dump().find("/pth"), std::string::npos);
}

TEST(CachePurge, AFillBegunBeforeAPurgeDoesNotStoreItsAnswer) {
  CacheHarness h;
  auto leader = h.start(makeRequest("GET", "/items/p"));
  auto waiter = h.start(makeRequest("GET", "/items/p"));
  purgeResponseCache(h.shared, R"({"route": "items"})");
  h.respondJson("from before the purge");
  h.runDue();
  EXPECT_EQ((*waiter)->body, "from before the purge") << "its waiters still get it";
  EXPECT_EQ(h.routeCache()->store().entries(), 0u);
}

TEST(CacheReport, SnapshotSectionAndMetrics) {
  CacheHarness h({{"max_entries", 500}});
  h.start(makeRequest("GET", "/items/1"));
  h.respondJson("one");
  h.start(makeRequest("GET", "/items/1"));
  h.start(makeRequest("POST", "/items/1"));
  const json snap = policySnapshot(h.shared, h.clock.now());
  ASSERT_TRUE(snap.contains("cache")) << snap.dump();
  const json& items = snap["cache"]["routes"]["items"];
  EXPECT_EQ(items["entries"], 1);
  EXPECT_EQ(items["hits"], 1);
  EXPECT_EQ(items["misses"], 1);
  EXPECT_EQ(items["bypass"], 1);
  EXPECT_EQ(items["stores"], 1);
  EXPECT_EQ(items["max_entries"], 500);
  EXPECT_GT(items["bytes"].get<std::uint64_t>(), 3u);
  for (const char* key : {"expired", "stale_served", "coalesced", "evictions", "fills_in_flight", "purged"}) {
    EXPECT_EQ(items[key], 0) << key;
  }
  EXPECT_TRUE(snap["cache"]["routes"].contains("members"));
  EXPECT_FALSE(snap["cache"]["routes"].contains("open"));
  EXPECT_EQ(snap["cache"]["totals"]["hits"], 1);
  EXPECT_EQ(snap["cache"]["totals"]["max_entries"], 500 + 500);

  std::string text;
  appendPolicyMetrics(h.shared, h.clock.now(), text);
  EXPECT_NE(text.find("gateway_cache_requests_total{route=\"items\",result=\"hit\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("gateway_cache_entries{route=\"items\"} 1\n"), std::string::npos);
  for (const char* family : {"gateway_cache_bytes", "gateway_cache_evictions_total", "gateway_cache_coalesced_total"}) {
    EXPECT_NE(text.find(std::string("# TYPE ") + family), std::string::npos) << family;
  }
}

}  // namespace
}  // namespace gateway
