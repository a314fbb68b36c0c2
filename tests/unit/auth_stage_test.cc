// Authentication and authorization through the whole Gateway (ConsumerStage): 401 with the
// RFC 6750 challenges for missing and invalid credentials, 403 insufficient_scope, identity
// headers for upstream (and a client's own stripped), JWT subjects feeding rate-limit tiers.
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

std::string bearer(const std::string& tokenName) { return "Bearer " + jwtFixture("tokens/" + tokenName + ".jwt"); }

std::shared_ptr<const Config> authConfig() {
  const nlohmann::json doc = {
      {"services", {{{"name", "orders"}, {"instances", {"10.0.0.1:80"}}}}},
      {"rate_limits", {{"tiers", {{"gold", {{"algorithm", "fixed_window"}, {"limit", 3}, {"window_ms", 60000}}},
                                  {"free", {{"algorithm", "fixed_window"}, {"limit", 1}, {"window_ms", 60000}}}}},
                       {"anonymous_tier", "free"}}},
      {"consumers", {{{"id", "alice-app"}, {"tier", "gold"}, {"jwt_subject", "alice"}},
                     {{"id", "partner"}, {"tier", "gold"}, {"api_keys", {"partner-key-123"}}, {"roles", {"partner"}},
                      {"scopes", {"orders:read"}}}}},
      {"auth", {{"jwt", {{"issuer", "https://issuer.example"},
                         {"audience", "gateway-tests"},
                         {"keys", {{{"kid", "rsa"}, {"algorithms", {"RS256"}}, {"public_key_pem", jwtFixture("rsa_public.pem")}}}}}}}},
      {"routes",
       {{{"name", "open"}, {"match", {{"prefix", "/open"}}}, {"service", "orders"}},
        {{"name", "jwt-only"}, {"match", {{"prefix", "/jwt"}}}, {"service", "orders"}, {"auth", {{"methods", {"jwt"}}}}},
        {{"name", "either"}, {"match", {{"prefix", "/either"}}}, {"service", "orders"},
         {"auth", {{"methods", {"jwt", "api_key"}}}}},
        {{"name", "write"}, {"match", {{"prefix", "/write"}}}, {"service", "orders"},
         {"auth", {{"methods", {"jwt", "api_key"}}, {"scopes", {"orders:write"}}}}},
        {{"name", "admin"}, {"match", {{"prefix", "/admin"}}}, {"service", "orders"},
         {"auth", {{"methods", {"jwt"}}, {"roles", {"admin", "root"}}}}},
        {{"name", "maybe"}, {"match", {{"prefix", "/maybe"}}}, {"service", "orders"},
         {"auth", {{"methods", {"jwt"}}, {"optional", true}}}},
        {{"name", "limited"}, {"match", {{"prefix", "/limited"}}}, {"service", "orders"},
         {"auth", {{"methods", {"jwt", "api_key"}}, {"optional", true}}}, {"rate_limit", {{"per_consumer", true}}}}}}};
  return testing::mustLoad(doc);
}

class AuthTest : public ::testing::Test {
 protected:
  AuthTest() {
    h.shared.setUnixTimeOffset(kNow - h.clock.now());
    h.gateway.addStage(std::make_unique<ConsumerStage>());
    h.gateway.addStage(std::make_unique<RateLimitStage>(h.env));
  }
  nlohmann::json body(const Response& r) { return nlohmann::json::parse(r.body); }

  GatewayHarness h{authConfig()};
};

TEST_F(AuthTest, MissingCredentialsGetTheChallengesOfTheRoute) {
  auto jwtOnly = h.start(makeRequest("GET", "/jwt/x"));
  ASSERT_TRUE(jwtOnly->has_value());
  EXPECT_EQ((*jwtOnly)->status, 401);
  // RFC 6750 3.1: no error code when no credentials were sent.
  EXPECT_EQ((*jwtOnly)->headers.all("www-authenticate"), (std::vector<std::string_view>{"Bearer realm=\"gateway\""}));
  EXPECT_EQ(body(**jwtOnly)["error"]["code"], "missing_credentials");
  EXPECT_EQ(body(**jwtOnly)["error"]["message"], "this route needs a bearer token");

  auto either = h.start(makeRequest("GET", "/either", {{"Authorization", "Basic dXNlcjpwYXNz"}}));
  EXPECT_EQ((*either)->status, 401);
  EXPECT_EQ((*either)->headers.all("www-authenticate"),
            (std::vector<std::string_view>{"Bearer realm=\"gateway\"", "ApiKey realm=\"gateway\""}));
  EXPECT_EQ(body(**either)["error"]["message"], "this route needs a bearer token or an API key");
  EXPECT_EQ(h.transport.total, 0u);
}

TEST_F(AuthTest, InvalidTokensAre401WithErrorDescription) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"expired", "the token has expired"},
      {"alg_none", "unsigned tokens (alg none) are not accepted"},
      {"hs_with_rsa_public", "the token algorithm is not allowed for its key"},
      {"bad_signature", "the token signature is invalid"},
      {"wrong_issuer", "the token issuer is not accepted"},
      {"wrong_audience", "the token audience is not accepted"},
      {"unknown_kid", "the token key id is unknown"},
      {"not_yet_valid", "the token is not valid yet"},
  };
  for (const auto& [name, why] : cases) {
    auto res = h.start(makeRequest("GET", "/jwt/x", {{"Authorization", bearer(name)}}));
    ASSERT_TRUE(res->has_value()) << name;
    EXPECT_EQ((*res)->status, 401) << name;
    EXPECT_EQ((*res)->headers.get("www-authenticate"),
              "Bearer realm=\"gateway\", error=\"invalid_token\", error_description=\"" + why + "\"")
        << name;
    EXPECT_EQ(body(**res)["error"]["code"], "invalid_token");
    EXPECT_EQ(body(**res)["error"]["message"], why);
  }
  auto empty = h.start(makeRequest("GET", "/jwt/x", {{"Authorization", "Bearer "}}));
  EXPECT_EQ((*empty)->status, 401);
  EXPECT_EQ(body(**empty)["error"]["message"], "the token is not three base64url segments");
  EXPECT_EQ(h.transport.total, 0u);
}

TEST_F(AuthTest, ValidTokenForwardsIdentityAndStripsSpoofedHeaders) {
  auto res = h.start(makeRequest("GET", "/jwt/orders",
                                 {{"Authorization", bearer("rs256")},
                                  {"X-User-ID", "root"},
                                  {"x-consumer", "admin-app"},
                                  {"X-Role", "superuser"},
                                  {"X-Role", "root"}}));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  const Headers& up = h.transport.sends[0].request.headers;
  EXPECT_EQ(up.all("x-user-id"), std::vector<std::string_view>{"alice"});
  EXPECT_EQ(up.all("x-consumer"), std::vector<std::string_view>{"alice-app"});
  EXPECT_EQ(up.all("x-role"), std::vector<std::string_view>{"admin, ops"});
  EXPECT_TRUE(up.has("authorization"));  // the upstream may read the token itself
  h.transport.respond(200);
  EXPECT_EQ((*res)->status, 200);
}

TEST_F(AuthTest, SpoofedHeadersAreStrippedOnOpenRoutesToo) {
  h.start(makeRequest("GET", "/open", {{"X-User-ID", "root"}, {"X-Consumer", "x"}, {"X-Role", "admin"}}));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  const Headers& up = h.transport.sends[0].request.headers;
  EXPECT_FALSE(up.has("x-user-id"));
  EXPECT_FALSE(up.has("x-consumer"));
  EXPECT_FALSE(up.has("x-role"));
}

TEST_F(AuthTest, OpenRoutesDoNotReadBearerTokens) {
  auto res = h.start(makeRequest("GET", "/open", {{"Authorization", bearer("expired")}}));
  ASSERT_EQ(h.transport.sends.size(), 1u);  // passed through, unverified
  EXPECT_FALSE(h.transport.sends[0].request.headers.has("x-user-id"));
}

TEST_F(AuthTest, MissingScopeIs403WithScopeParameter) {
  auto res = h.start(makeRequest("POST", "/write", {{"Authorization", bearer("bob_read")}}));
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 403);
  EXPECT_EQ((*res)->headers.get("www-authenticate"),
            "Bearer realm=\"gateway\", error=\"insufficient_scope\", error_description=\"the credentials lack a "
            "required scope\", scope=\"orders:write\"");
  EXPECT_EQ(body(**res)["error"]["code"], "insufficient_scope");

  auto ok = h.start(makeRequest("POST", "/write", {{"Authorization", bearer("rs256")}}));
  EXPECT_EQ(h.transport.sends.size(), 1u);

  // An API key's scopes come from its consumer: "partner" has orders:read only.
  auto key = h.start(makeRequest("POST", "/write", {{"X-API-Key", "partner-key-123"}}));
  EXPECT_EQ((*key)->status, 403);
  EXPECT_EQ((*key)->headers.get("www-authenticate"), "ApiKey realm=\"gateway\", error=\"insufficient_scope\"");
}

TEST_F(AuthTest, RolesNeedAnyOneOfTheList) {
  auto viewer = h.start(makeRequest("GET", "/admin", {{"Authorization", bearer("bob_read")}}));
  EXPECT_EQ((*viewer)->status, 403);
  EXPECT_EQ(body(**viewer)["error"]["message"], "the credentials lack a required role");
  EXPECT_EQ((*viewer)->headers.get("www-authenticate"),
            "Bearer realm=\"gateway\", error=\"insufficient_scope\", error_description=\"the credentials lack a "
            "required role\"");
  h.start(makeRequest("GET", "/admin", {{"Authorization", bearer("rs256")}}));  // alice: admin
  EXPECT_EQ(h.transport.sends.size(), 1u);
}

TEST_F(AuthTest, ApiKeyOnAnEitherRoute) {
  auto res = h.start(makeRequest("GET", "/either", {{"X-API-Key", "partner-key-123"}, {"X-Role", "admin"}}));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  const Headers& up = h.transport.sends[0].request.headers;
  EXPECT_EQ(up.get("x-user-id"), "partner");
  EXPECT_EQ(up.get("x-consumer"), "partner");
  EXPECT_EQ(up.all("x-role"), std::vector<std::string_view>{"partner"});

  auto bad = h.start(makeRequest("GET", "/either", {{"X-API-Key", "wrong-key-000"}}));
  EXPECT_EQ((*bad)->status, 401);
  EXPECT_EQ((*bad)->headers.get("www-authenticate"), "ApiKey realm=\"gateway\", error=\"invalid_key\"");
}

TEST_F(AuthTest, JwtOnlyRouteIgnoresApiKeys) {
  auto res = h.start(makeRequest("GET", "/jwt/x", {{"X-API-Key", "partner-key-123"}}));
  EXPECT_EQ((*res)->status, 401);
  EXPECT_EQ(body(**res)["error"]["code"], "missing_credentials");
}

TEST_F(AuthTest, OptionalAuthAdmitsAnonymousButNotInvalid) {
  h.start(makeRequest("GET", "/maybe"));
  EXPECT_EQ(h.transport.sends.size(), 1u);
  auto bad = h.start(makeRequest("GET", "/maybe", {{"Authorization", bearer("expired")}}));
  EXPECT_EQ((*bad)->status, 401);
}

TEST_F(AuthTest, JwtSubjectSelectsTheConsumerTier) {
  // alice -> consumer alice-app, tier gold (3 per minute); anonymous -> free (1 per minute).
  std::vector<int> alice, anonymous;
  for (int i = 0; i < 4; ++i) {
    auto a = h.start(makeRequest("GET", "/limited", {{"Authorization", bearer("rs256")}}));
    if (a->has_value()) alice.push_back((*a)->status);
    else h.transport.respond(200), alice.push_back((*a)->status);
    auto n = h.start(makeRequest("GET", "/limited"));
    if (n->has_value()) anonymous.push_back((*n)->status);
    else h.transport.respond(200), anonymous.push_back((*n)->status);
  }
  EXPECT_EQ(alice, (std::vector<int>{200, 200, 200, 429}));
  EXPECT_EQ(anonymous, (std::vector<int>{200, 429, 429, 429}));
}

TEST_F(AuthTest, RepeatedTokenIsServedFromTheCache) {
  for (int i = 0; i < 3; ++i) {
    h.start(makeRequest("GET", "/jwt/x", {{"Authorization", bearer("rs256")}}));
    h.transport.respond(200);
  }
  const JwtVerifier* v = h.shared.runtime()->jwtVerifier();
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->cache().hits(), 2u);
  EXPECT_EQ(v->cache().size(), 1u);
}

TEST(AuthConfigErrors, RouteAuthIsValidated) {
  ConfigLoad load = loadConfigJson(nlohmann::json::parse(R"({
    "services": [{"name": "s", "instances": ["10.0.0.1:80"]}],
    "consumers": [{"id": "c", "roles": ["a b"]}],
    "routes": [
      {"name": "a", "match": {"path": "/a"}, "service": "s", "auth": {"methods": ["jwt"]}},
      {"name": "b", "match": {"path": "/b"}, "service": "s", "auth": {"methods": ["basic"], "scopes": ["x y"]}},
      {"name": "c", "match": {"path": "/c"}, "service": "s", "auth": {"methods": [], "optional": true, "roles": ["r"]}},
      {"name": "d", "match": {"path": "/d"}, "service": "s", "auth": {"scopes": ["x"]}}
    ]})"));
  ASSERT_FALSE(load.ok());
  const std::string text = load.errors.text();
  for (const char* want : {
           "/consumers/0/roles/0: expected a name without spaces, commas or quotes",
           "/routes/0/auth/methods/0: auth.jwt is not configured",
           "/routes/1/auth/methods/0: expected one of: jwt, api_key",
           "/routes/1/auth/scopes/0: expected a name without spaces or quotes",
           "/routes/2/auth/methods: needs at least one of: jwt, api_key",
           "/routes/2/auth/optional: a route with required scopes or roles cannot be optional",
           "/routes/3/auth/methods: required field is missing",
       }) {
    EXPECT_NE(text.find(want), std::string::npos) << "missing: " << want << "\nall:\n" << text;
  }
}

}  // namespace
}  // namespace gateway
