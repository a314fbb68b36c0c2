// The cache and the transform stage on one route: the cache stores the upstream's whole
// answer (it runs after the transform on the way in, before it on the way out), and each
// client profile gets its own view of the same hit; the profile header is not in the key.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libgateway/pipeline/stage_list.h"
#include "test_support.h"

namespace gateway {
namespace {

using testing::makeRequest;

TEST(CacheWithTransform, OneStoredAnswerAndAViewPerProfile) {
  testing::GatewayHarness h(testing::mustParse(R"({
    "services": [{"name": "svc", "instances": ["10.0.0.1:80"], "timeout_ms": 1000}],
    "routes": [{"name": "users", "match": {"prefix": "/users"}, "service": "svc",
                "cache": {"ttl_s": 60, "statuses": [200]},
                "transform": {"select": {"header": "X-Client"}, "default": "web",
                              "profiles": {"mobile": {"allow": ["id"]}, "web": {}}}}]})"));
  installStandardStages(h.gateway, h.shared, h.env);
  const std::string full = R"({"id":7,"name":"Ada","email":"ada@example.com"})";
  auto mobile = h.start(makeRequest("GET", "/users/7", {{"X-Client", "mobile"}}));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  h.transport.respond(200, full, Headers{{"Content-Type", "application/json"}});
  ASSERT_TRUE(mobile->has_value());
  EXPECT_EQ(nlohmann::json::parse((*mobile)->body), nlohmann::json({{"id", 7}}));
  EXPECT_EQ((*mobile)->headers.get("x-cache"), "MISS");

  auto web = h.start(makeRequest("GET", "/users/7", {{"X-Client", "web"}}));
  ASSERT_TRUE(web->has_value()) << "the profile header is not in the key: a hit";
  EXPECT_EQ((*web)->headers.get("x-cache"), "HIT");
  EXPECT_EQ(nlohmann::json::parse((*web)->body), nlohmann::json::parse(full)) << "the whole answer was stored";
  auto mobileHit = h.start(makeRequest("GET", "/users/7", {{"X-Client", "mobile"}}));
  EXPECT_EQ((*mobileHit)->headers.get("x-cache"), "HIT");
  EXPECT_EQ(nlohmann::json::parse((*mobileHit)->body), nlohmann::json({{"id", 7}}));
  EXPECT_EQ(h.transport.total, 1u);
}

}  // namespace
}  // namespace gateway
