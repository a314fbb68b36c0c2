// The response cache through gatewayd and mock-services: a hit that never reaches the
// upstream (mock-services' /_stats counts stay put), a stampede of concurrent clients on a
// cold key over two worker threads making exactly one upstream request (a latency fault
// makes them overlap), stale-if-error over an abort fault, and purges through the admin API
// with the cache's section in /stats and /metrics.
#include <atomic>
#include <thread>

#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;

class CacheStackTest : public StackTest {
 protected:
  json config(const json& cache) const {
    json c = standardGateway();
    for (auto& r : c["routes"]) {
      if (r["name"] == "products") r["cache"] = cache;
    }
    return c;
  }
  std::uint64_t productRequests() { return mockRequests("products-1"); }
  HttpReply postFault(const json& fault) {
    return fetch(stack_.mock("products"), "POST", "/_faults", {{"Content-Type", "application/json"}}, fault.dump());
  }
  HttpReply purge(const json& body) {
    return fetch(stack_.admin(), "POST", "/cache/purge", {{"Content-Type", "application/json"}}, body.dump());
  }
  const json kongExample_ = {{"ttl_s", 300}, {"statuses", {200}}, {"content_types", {"application/json"}}};
};

TEST_F(CacheStackTest, ASecondGetIsAHitThatNeverReachesTheUpstream) {
  startGateway(config(kongExample_));
  const HttpReply miss = get("/api/products/7");
  ASSERT_EQ(miss.status, 200) << miss.body;
  EXPECT_EQ(miss.header("X-Cache"), "MISS");
  const std::uint64_t served = productRequests();
  EXPECT_EQ(served, 1u);
  const HttpReply hit = get("/api/products/7");
  EXPECT_EQ(hit.status, 200);
  EXPECT_EQ(hit.header("X-Cache"), "HIT");
  EXPECT_EQ(hit.body, miss.body);
  EXPECT_EQ(hit.header("X-Mock-Target"), "/products/7") << "the upstream's fields are kept";
  EXPECT_FALSE(hit.header("Age").empty());
  EXPECT_NE(hit.header("X-Correlation-Id"), miss.header("X-Correlation-Id"));
  EXPECT_EQ(productRequests(), served) << "the hit never reached mock-services";
  // A 404 is not in this route's statuses: never stored.
  EXPECT_EQ(get("/api/products/9999").header("X-Cache"), "MISS");
  EXPECT_EQ(get("/api/products/9999").header("X-Cache"), "MISS");
  EXPECT_EQ(productRequests(), served + 2);
}

TEST_F(CacheStackTest, AStampedeOnAColdKeyOverTwoWorkersMakesOneUpstreamRequest) {
  startGateway(config(kongExample_), {"--threads", "2"});
  // Every products answer takes 400 ms, so the clients' requests overlap the first one's.
  ASSERT_EQ(postFault({{"kind", "latency"}, {"service", "products"}, {"latency_ms", 400}}).status, 201);
  constexpr int kClients = 24;
  std::vector<HttpReply> replies(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([this, &replies, i] { replies[i] = get("/api/products/42"); });
  }
  for (auto& t : clients) t.join();
  int misses = 0, hits = 0;
  for (const HttpReply& r : replies) {
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body, replies[0].body);
    misses += r.header("X-Cache") == "MISS";
    hits += r.header("X-Cache") == "HIT";
  }
  EXPECT_EQ(misses, 1);
  EXPECT_EQ(hits, kClients - 1);
  EXPECT_EQ(productRequests(), 1u) << "exactly one upstream request for the whole stampede";
  const json stats = json::parse(fetch(stack_.admin(), "GET", "/stats").body, nullptr, false);
  ASSERT_TRUE(stats.is_object());
  const json& products = stats["policies"]["cache"]["routes"]["products"];
  EXPECT_EQ(products["misses"], 1);
  EXPECT_EQ(products["coalesced"].get<int>() + products["hits"].get<int>(), kClients - 1);
  EXPECT_GT(products["coalesced"].get<int>(), 0) << "some clients waited for the fill";
}

TEST_F(CacheStackTest, StaleIfErrorAnswersTheStoredCopyWhenTheUpstreamFails) {
  json cache = kongExample_;
  cache["respect_cache_control"] = true;  // so a client's no-cache makes the gateway try the upstream
  cache["stale_if_error_s"] = 600;
  startGateway(config(cache));
  const HttpReply first = get("/api/products/3");
  ASSERT_EQ(first.header("X-Cache"), "MISS");
  ASSERT_EQ(postFault({{"kind", "abort"}, {"service", "products"}, {"status", 503}}).status, 201);
  const HttpReply direct = get("/api/products/4");
  EXPECT_EQ(direct.status, 503) << "the fault is on: an uncached product fails";
  const std::uint64_t before = productRequests();
  const HttpReply stale = get("/api/products/3", {{"Cache-Control", "no-cache"}});
  EXPECT_EQ(stale.status, 200) << stale.body;
  EXPECT_EQ(stale.header("X-Cache"), "STALE");
  EXPECT_EQ(stale.body, first.body);
  EXPECT_GT(productRequests(), before) << "the upstream was tried and failed";
}

TEST_F(CacheStackTest, PurgeThroughTheAdminApiAndTheCacheInStatsAndMetrics) {
  startGateway(config(kongExample_));
  get("/api/products/5");
  get("/api/products/6");
  ASSERT_EQ(get("/api/products/5").header("X-Cache"), "HIT");
  HttpReply r = purge({{"route", "products"}, {"path", "/api/products/5"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["purged"], 1);
  EXPECT_EQ(get("/api/products/5").header("X-Cache"), "MISS");
  EXPECT_EQ(get("/api/products/6").header("X-Cache"), "HIT");
  r = purge({{"route", "products"}, {"prefix", "/api/products/"}});
  EXPECT_EQ(json::parse(r.body)["purged"], 2);
  EXPECT_EQ(get("/api/products/6").header("X-Cache"), "MISS");
  EXPECT_EQ(purge({{"route", "users"}}).status, 404) << "a route without a cache";
  const HttpReply bad = purge({{"rout", "products"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("/rout"), std::string::npos) << bad.body;
  EXPECT_EQ(fetch(stack_.admin(), "POST", "/cache/purge", {}, "not json").status, 400);

  const json stats = json::parse(fetch(stack_.admin(), "GET", "/stats").body, nullptr, false);
  const json& products = stats["policies"]["cache"]["routes"]["products"];
  EXPECT_EQ(products["purged"], 3);
  EXPECT_EQ(products["entries"], 1);
  EXPECT_EQ(products["max_entries"], 100000);
  const std::string metrics = fetch(stack_.admin(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("gateway_cache_requests_total{route=\"products\",result=\"hit\"} 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("gateway_cache_entries{route=\"products\"} 1"), std::string::npos);
  if (const auto check = promtoolCheck(metrics)) {
    EXPECT_EQ(check->first, 0) << check->second;
  }
}

}  // namespace
}  // namespace gateway::testing
