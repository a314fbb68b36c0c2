// Path tricks through the whole Gateway: an `/admin` prefix route that needs an API key and
// has a rate limit, next to an open catch-all route to another service. Every spelling of
// the admin path either is refused (400 bad_path) or meets the admin route's key check and
// limit, and what reaches an upstream is the normalised path the route matched.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "libgateway/pipeline/consumer_stage.h"
#include "libgateway/pipeline/rate_limit_stage.h"
#include "test_support.h"

namespace gateway {
namespace {

using testing::GatewayHarness;
using testing::makeRequest;

std::shared_ptr<const Config> trickConfig() {
  const nlohmann::json doc = {
      {"services",
       {{{"name", "admin-svc"}, {"instances", {"10.0.0.1:80"}}}, {{"name", "public-svc"}, {"instances", {"10.0.0.2:80"}}}}},
      {"consumers", {{{"id", "ops"}, {"api_keys", {"ops-key-0123456789"}}}}},
      {"rate_limits",
       {{"policies", {{"admin-cap", {{"algorithm", "fixed_window"}, {"limit", 3}, {"window_ms", 60000}, {"key", "route"}}}}}}},
      {"routes",
       {{{"name", "admin"}, {"match", {{"prefix", "/admin"}}}, {"service", "admin-svc"},
         {"auth", {{"methods", {"api_key"}}}}, {"rate_limit", {{"policies", {"admin-cap"}}}}},
        {{"name", "public"}, {"match", {{"prefix", "/"}}}, {"service", "public-svc"}}}}};
  return testing::mustLoad(doc);
}

class PathTricks : public ::testing::Test {
 protected:
  PathTricks() {
    h.gateway.addStage(std::make_unique<ConsumerStage>());
    h.gateway.addStage(std::make_unique<RateLimitStage>(h.env));
  }
  std::string code(const Response& r) { return nlohmann::json::parse(r.body)["error"]["code"]; }

  GatewayHarness h{trickConfig()};
};

// The tricks that normalise to an admin path: without a key they meet the admin route's 401.
const std::vector<std::pair<std::string, std::string>> kToAdmin = {
    {"/%61dmin", "/admin"},          {"//admin", "/admin"},          {"/x/../admin", "/admin"},
    {"/./admin", "/admin"},          {"/%2e/admin/", "/admin/"},     {"/admin/x/%2E%2E/y", "/admin/y"},
    {"/ad%6Din//users", "/admin/users"}, {"/public/..%2f/admin", ""},  // the last is refused
};

// The tricks that are refused before any route is chosen.
const std::vector<std::string> kRefused = {"/%2e%2e/admin", "/admin%2fsecret", "/admin%5Csecret", "/admin;x=1",
                                           "/admin#x",      "/..",             "/a/../../admin",  "/x;/../admin",
                                           "/admin%3Bx",    "/admin\\x"};

TEST_F(PathTricks, NoSpellingReachesTheAdminUpstreamWithoutAKey) {
  for (const auto& [trick, canonical] : kToAdmin) {
    SCOPED_TRACE(trick);
    auto res = h.start(makeRequest("GET", trick));
    ASSERT_TRUE(res->has_value());
    if (canonical.empty()) {
      EXPECT_EQ((*res)->status, 400);
    } else {
      EXPECT_EQ((*res)->status, 401);
    }
  }
  for (const auto& trick : kRefused) {
    SCOPED_TRACE(trick);
    auto res = h.start(makeRequest("GET", trick));
    ASSERT_TRUE(res->has_value());
    EXPECT_EQ((*res)->status, 400);
    EXPECT_EQ(code(**res), "bad_path");
  }
  EXPECT_EQ(h.transport.total, 0u);  // nothing reached any upstream
}

TEST_F(PathTricks, WithAKeyEverySpellingIsTheAdminRouteAndForwardsTheNormalisedPath) {
  const Headers key{{"X-API-Key", "ops-key-0123456789"}};
  // Four spellings of admin paths share the route's limit of 3: the fourth is 429.
  const std::vector<std::pair<std::string, std::string>> sent = {
      {"/%61dmin?x=%2e%2e/&y", "/admin?x=%2e%2e/&y"}, {"//admin/./a", "/admin/a"}, {"/z/../admin/", "/admin/"}};
  for (const auto& [trick, upstream] : sent) {
    SCOPED_TRACE(trick);
    auto res = h.start(makeRequest("GET", trick, key));
    ASSERT_EQ(h.transport.sends.size(), 1u);
    EXPECT_EQ(h.transport.sends[0].endpoint.service, "admin-svc");
    EXPECT_EQ(h.transport.sends[0].request.target, upstream);
    h.transport.respond(200);
    EXPECT_EQ((*res)->status, 200);
  }
  auto fourth = h.start(makeRequest("GET", "/./%61dmin", key));
  EXPECT_EQ((*fourth)->status, 429);
  EXPECT_EQ(h.transport.total, 3u);
}

TEST_F(PathTricks, CaseIsSignificantSoAnUpperCasePathIsAnotherRouteWithItsOwnPath) {
  // Paths are case-sensitive (RFC 3986 6.2.2.1): "/ADMIN" is not the admin route. It goes to
  // the catch-all's service as "/ADMIN", never to the admin service.
  auto res = h.start(makeRequest("GET", "/ADMIN"));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  EXPECT_EQ(h.transport.sends[0].endpoint.service, "public-svc");
  EXPECT_EQ(h.transport.sends[0].request.target, "/ADMIN");
  h.transport.respond(200);
}

TEST_F(PathTricks, TheCatchAllAlsoForwardsTheNormalisedPath) {
  auto res = h.start(makeRequest("GET", "//docs/./v1/../v2/%7Eguide?q=a//b"));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  EXPECT_EQ(h.transport.sends[0].endpoint.service, "public-svc");
  EXPECT_EQ(h.transport.sends[0].request.target, "/docs/v2/~guide?q=a//b");
  h.transport.respond(200);
  EXPECT_EQ((*res)->status, 200);
}

TEST_F(PathTricks, RefusalsNameTheProblem) {
  auto res = h.start(makeRequest("GET", "/admin%2fsecret"));
  const auto body = nlohmann::json::parse((*res)->body);
  EXPECT_EQ(body["error"]["status"], 400);
  EXPECT_EQ(body["error"]["message"], "an encoded slash (%2F) at byte 6 of the path; encoded slashes are refused");
}

}  // namespace
}  // namespace gateway
