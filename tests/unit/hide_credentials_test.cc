// A route's hide_credentials (Kong's key-auth and jwt option): the credentials the route
// accepts are checked by the gateway and not sent upstream; the identity headers the gateway
// adds still are, other Authorization schemes pass, and limits keyed by API key still see it.
#include <gtest/gtest.h>

#include "libgateway/pipeline/consumer_stage.h"
#include "libgateway/pipeline/rate_limit_stage.h"
#include "test_support.h"
#include "tests/fixtures/jwt/jwt_fixtures.h"

namespace gateway {
namespace {

using testing::GatewayHarness;
using testing::jwtFixture;
using testing::makeRequest;

constexpr TimePoint kNow = testing::kJwtFixturesNow;

nlohmann::json route(const std::string& name, const nlohmann::json& auth) {
  return {{"name", name}, {"match", {{"prefix", "/" + name}}}, {"service", "orders"}, {"auth", auth}};
}

std::shared_ptr<const Config> config() {
  const nlohmann::json doc = {
      {"services", {{{"name", "orders"}, {"instances", {"10.0.0.1:80"}}}}},
      {"rate_limits", {{"policies", {{"per-key", {{"algorithm", "fixed_window"}, {"limit", 1}, {"window_ms", 60000},
                                                  {"key", "api_key"}}}}}}},
      {"consumers", {{{"id", "alice-app"}, {"jwt_subject", "alice"}}, {{"id", "partner"}, {"api_keys", {"partner-key-123"}}}}},
      {"auth", {{"jwt", {{"issuer", "https://issuer.example"},
                         {"audience", "gateway-tests"},
                         {"keys", {{{"kid", "rsa"}, {"algorithms", {"RS256"}}, {"public_key_pem", jwtFixture("rsa_public.pem")}}}}}}}},
      {"routes",
       {route("hidden", {{"methods", {"jwt", "api_key"}}, {"hide_credentials", true}}),
        route("shown", {{"methods", {"jwt", "api_key"}}}),
        route("keyonly", {{"methods", {"api_key"}}, {"hide_credentials", true}}),
        {{"name", "limited"}, {"match", {{"prefix", "/limited"}}}, {"service", "orders"},
         {"auth", {{"methods", {"api_key"}}, {"hide_credentials", true}}}, {"rate_limit", {{"policies", {"per-key"}}}}}}}};
  return testing::mustLoad(doc);
}

class HideCredentialsTest : public ::testing::Test {
 protected:
  HideCredentialsTest() {
    h.shared.setUnixTimeOffset(kNow - h.clock.now());
    h.gateway.addStage(std::make_unique<ConsumerStage>());
    h.gateway.addStage(std::make_unique<RateLimitStage>(h.env));
  }
  const Headers& sent(std::size_t i) { return h.transport.sends.at(i).request.headers; }

  GatewayHarness h{config()};
};

TEST_F(HideCredentialsTest, AnApiKeyIsCheckedAndNotSentUpstream) {
  auto res = h.start(makeRequest("GET", "/hidden/1", {{"X-API-Key", "partner-key-123"}}));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  EXPECT_FALSE(sent(0).has("x-api-key"));
  EXPECT_EQ(sent(0).all("x-consumer"), std::vector<std::string_view>{"partner"});
  h.transport.respond(200);
  EXPECT_EQ((*res)->status, 200);
}

TEST_F(HideCredentialsTest, ABearerTokenIsCheckedAndNotSentUpstream) {
  h.start(makeRequest("GET", "/hidden/1", {{"Authorization", "Bearer " + jwtFixture("tokens/rs256.jwt")}}));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  EXPECT_FALSE(sent(0).has("authorization"));
  EXPECT_EQ(sent(0).all("x-user-id"), std::vector<std::string_view>{"alice"});
}

TEST_F(HideCredentialsTest, WithoutTheOptionBothAreSent) {
  h.start(makeRequest("GET", "/shown/1", {{"X-API-Key", "partner-key-123"}}));
  h.start(makeRequest("GET", "/shown/2", {{"Authorization", "Bearer " + jwtFixture("tokens/rs256.jwt")}}));
  ASSERT_EQ(h.transport.sends.size(), 2u);
  EXPECT_EQ(sent(0).all("x-api-key"), std::vector<std::string_view>{"partner-key-123"});
  EXPECT_TRUE(sent(1).has("authorization"));
}

TEST_F(HideCredentialsTest, OnlyTheAcceptedCredentialsAreHidden) {
  // The route takes API keys only: an Authorization field is the upstream's business.
  h.start(makeRequest("GET", "/keyonly/1", {{"X-API-Key", "partner-key-123"}, {"Authorization", "Bearer opaque-upstream-token"}}));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  EXPECT_FALSE(sent(0).has("x-api-key"));
  EXPECT_EQ(sent(0).all("authorization"), std::vector<std::string_view>{"Bearer opaque-upstream-token"});
}

TEST_F(HideCredentialsTest, OtherAuthorizationSchemesPass) {
  h.start(makeRequest("GET", "/hidden/1", {{"X-API-Key", "partner-key-123"}, {"Authorization", "Basic dXNlcjpwdw=="}}));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  EXPECT_FALSE(sent(0).has("x-api-key"));
  EXPECT_EQ(sent(0).all("authorization"), std::vector<std::string_view>{"Basic dXNlcjpwdw=="});
}

TEST_F(HideCredentialsTest, ALimitKeyedByApiKeyStillSeesTheKey) {
  auto first = h.start(makeRequest("GET", "/limited/1", {{"X-API-Key", "partner-key-123"}}));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  EXPECT_FALSE(sent(0).has("x-api-key"));
  h.transport.respond(200);
  EXPECT_EQ((*first)->status, 200);
  auto second = h.start(makeRequest("GET", "/limited/2", {{"X-API-Key", "partner-key-123"}}));
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->status, 429) << "one per minute per key";
  EXPECT_EQ(h.transport.total, 1u);
}

TEST(HideCredentialsConfig, MustBeABoolean) {
  const ConfigLoad load = loadConfigJson({{"services", {{{"name", "orders"}, {"instances", {"10.0.0.1:80"}}}}},
                                          {"routes", {route("r", {{"methods", {"api_key"}}, {"hide_credentials", "yes"}})}}});
  ASSERT_FALSE(load.ok());
  EXPECT_NE(load.errors.text().find("/routes/0/auth/hide_credentials"), std::string::npos) << load.errors.text();
}

}  // namespace
}  // namespace gateway
