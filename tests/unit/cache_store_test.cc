// The response cache's keys, Vary matching and store: sorted queries, HEAD sharing GET's
// key, chosen request fields and identity in the key; variants per key; the byte and entry
// bounds with least-recently-used eviction; purges and their epoch.
#include <gtest/gtest.h>

#include "cache_test_support.h"
#include "libgateway/cache/cache_key.h"
#include "libgateway/cache/cache_store.h"

namespace gateway {
namespace {

using testing::handMadeEntry;

std::string storeTestKey(std::string_view method, std::string_view path, std::string_view query, const Headers& h = {},
                         const std::vector<std::string>& vary = {}, std::string_view identity = {}) {
  return cacheKey({method, path, query, &h, &vary, identity});
}

TEST(CacheKey, QuerySortedHeadSharesGetAndFieldsAndIdentityCount) {
  EXPECT_EQ(sortedQuery("b=2&a=1&&c"), "a=1&b=2&c");
  EXPECT_EQ(storeTestKey("GET", "/p", "b=2&a=1"), storeTestKey("GET", "/p", "a=1&b=2"));
  EXPECT_EQ(storeTestKey("HEAD", "/p", ""), storeTestKey("GET", "/p", ""));
  EXPECT_NE(storeTestKey("GET", "/p", "a=1"), storeTestKey("GET", "/p", "a=2"));
  EXPECT_NE(storeTestKey("GET", "/p", ""), storeTestKey("GET", "/q", ""));
  const std::vector<std::string> lang = {"accept-language"};
  EXPECT_NE(storeTestKey("GET", "/p", "", {{"Accept-Language", "de"}}, lang),
            storeTestKey("GET", "/p", "", {{"Accept-Language", "fr"}}, lang));
  EXPECT_NE(storeTestKey("GET", "/p", "", {}, lang), storeTestKey("GET", "/p", "", {{"Accept-Language", ""}}, lang))
      << "an absent field differs from an empty one";
  EXPECT_EQ(storeTestKey("GET", "/p", "", {{"Accept-Language", " de "}}, lang),
            storeTestKey("GET", "/p", "", {{"accept-language", "de"}}, lang));
  EXPECT_EQ(storeTestKey("GET", "/p", "", {{"Accept-Language", "de"}}), storeTestKey("GET", "/p", ""))
      << "fields the route does not list are not in the key";
  EXPECT_NE(storeTestKey("GET", "/p", "", {}, {}, "api_key:alice:"), storeTestKey("GET", "/p", "", {}, {}, "api_key:bob:"));
  EXPECT_NE(storeTestKey("GET", "/p", "", {}, {}, "api_key:alice:"), storeTestKey("GET", "/p", ""));
  // A query cannot forge a header or identity part: the separators cannot appear in a target.
  EXPECT_NE(storeTestKey("GET", "/p", "x", {}, {}, "c"), storeTestKey("GET", "/p", "x\nc:c"));
}

TEST(CacheVary, CapturedValuesMustMatchAndStarNeverMatches) {
  const Headers response{{"Vary", "Accept-Encoding, accept-language"}, {"Vary", "X-Tenant"}};
  const Headers request{{"Accept-Encoding", "gzip"}, {"Accept-Language", "de"}};
  const VaryCapture v = captureVary(response, request);
  ASSERT_EQ(v.fields.size(), 3u);
  EXPECT_EQ(v.fields[2].first, "x-tenant");
  EXPECT_FALSE(v.fields[2].second.has_value());
  EXPECT_TRUE(varyMatches(v, Headers{{"accept-language", "de"}, {"ACCEPT-ENCODING", "gzip"}}));
  EXPECT_FALSE(varyMatches(v, Headers{{"Accept-Language", "fr"}, {"Accept-Encoding", "gzip"}}));
  EXPECT_FALSE(varyMatches(v, Headers{{"Accept-Language", "de"}, {"Accept-Encoding", "gzip"}, {"X-Tenant", "t1"}}));
  const VaryCapture star = captureVary(Headers{{"Vary", "*"}}, request);
  EXPECT_TRUE(star.any);
  EXPECT_FALSE(varyMatches(star, request));
}

CacheStore::Limits oneShard(std::size_t maxBytes, std::size_t maxEntries) {
  CacheStore::Limits l;
  l.maxBytes = maxBytes;
  l.maxEntries = maxEntries;
  l.maxEntryBytes = maxBytes;
  l.shards = 1;
  return l;
}

TEST(CacheStore, VariantsOfOneKeyAreFoundByTheirVaryValues) {
  CacheStore store(oneShard(1 << 20, 100));
  const Headers de{{"Accept-Language", "de"}}, fr{{"Accept-Language", "fr"}};
  const Headers vary{{"Vary", "Accept-Language"}};
  ASSERT_TRUE(store.insert("k", handMadeEntry("/p", 10, 0, captureVary(vary, de))));
  ASSERT_TRUE(store.insert("k", handMadeEntry("/p", 20, 0, captureVary(vary, fr))));
  EXPECT_EQ(store.entries(), 2u);
  ASSERT_NE(store.find("k", fr), nullptr);
  EXPECT_EQ(store.find("k", fr)->body.size(), 20u);
  EXPECT_EQ(store.find("k", de)->body.size(), 10u);
  EXPECT_EQ(store.find("k", Headers{}), nullptr);
  // The same variant again replaces it.
  ASSERT_TRUE(store.insert("k", handMadeEntry("/p", 30, 0, captureVary(vary, de))));
  EXPECT_EQ(store.entries(), 2u);
  EXPECT_EQ(store.find("k", de)->body.size(), 30u);
  // At most kMaxVariants per key: the oldest goes.
  for (std::size_t i = 0; i < CacheStore::kMaxVariants; ++i) {
    store.insert("k", handMadeEntry("/p", 1, 0, captureVary(vary, Headers{{"Accept-Language", std::to_string(i) + "l"}})));
  }
  EXPECT_EQ(store.entries(), CacheStore::kMaxVariants);
  EXPECT_EQ(store.find("k", fr), nullptr);
}

TEST(CacheStore, ByteBoundEvictsLeastRecentlyUsedFirst) {
  const std::size_t each = handMadeEntry("/a", 1000)->bytes;
  CacheStore store(oneShard(3 * each + each / 2, 1000));  // room for three
  for (const char* k : {"a", "b", "c"}) ASSERT_TRUE(store.insert(k, handMadeEntry(std::string("/") + k, 1000)));
  EXPECT_EQ(store.entries(), 3u);
  EXPECT_EQ(store.bytes(), 3 * each);
  ASSERT_NE(store.find("a", {}), nullptr);  // a is now the most recently used; b the least
  ASSERT_TRUE(store.insert("d", handMadeEntry("/d", 1000)));
  EXPECT_EQ(store.entries(), 3u);
  EXPECT_EQ(store.evictions(), 1u);
  EXPECT_EQ(store.find("b", {}), nullptr);
  EXPECT_NE(store.find("a", {}), nullptr);
  EXPECT_NE(store.find("c", {}), nullptr);
  EXPECT_NE(store.find("d", {}), nullptr);
  EXPECT_LE(store.bytes(), store.limits().maxBytes);
  // A larger entry pushes out as many as it needs, least recently used first (a, then c).
  ASSERT_TRUE(store.insert("big", handMadeEntry("/big", 2 * 1000 + 500)));
  EXPECT_LE(store.bytes(), store.limits().maxBytes);
  EXPECT_NE(store.find("big", {}), nullptr);
  EXPECT_EQ(store.find("a", {}), nullptr);
  EXPECT_EQ(store.find("c", {}), nullptr);
  EXPECT_NE(store.find("d", {}), nullptr);
  // Larger than the whole bound: refused, nothing evicted.
  const std::size_t before = store.entries();
  EXPECT_FALSE(store.insert("huge", handMadeEntry("/huge", 10 * 1000)));
  EXPECT_EQ(store.entries(), before);
}

TEST(CacheStore, EntryBoundAndShardChoice) {
  CacheStore store(oneShard(1 << 20, 2));
  store.insert("a", handMadeEntry("/a", 1));
  store.insert("b", handMadeEntry("/b", 1));
  store.insert("c", handMadeEntry("/c", 1));
  EXPECT_EQ(store.entries(), 2u);
  EXPECT_EQ(store.find("a", {}), nullptr);
  CacheStore::Limits big;  // the defaults: 100,000 entries, 64 MiB, 1 MiB entries
  EXPECT_EQ(CacheStore(big).shardCount(), 16u);
  CacheStore::Limits small;
  small.maxEntries = 100;
  EXPECT_EQ(CacheStore(small).shardCount(), 1u) << "a small store is exactly LRU";
}

TEST(CacheStore, PurgeAllPathAndPrefixMoveTheEpoch) {
  CacheStore store(oneShard(1 << 20, 100));
  const Headers vary{{"Vary", "X-V"}};
  store.insert("GET /api/products/1", handMadeEntry("/api/products/1", 1, 0, captureVary(vary, Headers{{"X-V", "1"}})));
  store.insert("GET /api/products/1", handMadeEntry("/api/products/1", 1, 0, captureVary(vary, Headers{{"X-V", "2"}})));
  store.insert("GET /api/products/1?a=1", handMadeEntry("/api/products/1", 1));
  store.insert("GET /api/products/2", handMadeEntry("/api/products/2", 1));
  store.insert("GET /api/productsX", handMadeEntry("/api/productsX", 1));
  store.insert("GET /api/users/1", handMadeEntry("/api/users/1", 1));
  const auto epoch = store.epoch();
  EXPECT_EQ(store.purgePath("/api/products/1"), 3u) << "every variant and query of the path";
  EXPECT_GT(store.epoch(), epoch);
  EXPECT_EQ(store.purgePrefix("/api/products/"), 1u);
  EXPECT_EQ(store.entries(), 2u);
  EXPECT_EQ(store.purgeAll(), 2u);
  EXPECT_EQ(store.entries(), 0u);
  EXPECT_EQ(store.bytes(), 0u);
}

}  // namespace
}  // namespace gateway
