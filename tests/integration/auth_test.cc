// Authentication over real sockets: gatewayd verifies openssl-made JWTs
// (tests/fixtures/jwt), answers 401 / 403 with their WWW-Authenticate challenges, forwards the
// identity it established, and strips identity headers a client forged. The tokens used here
// carry no nbf and either expire in 2100 or in 1970, so they mean the same whichever Unix
// time gatewayd derives.

#include "tests/fixtures/jwt/jwt_fixtures.h"
#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;

std::string bearer(const std::string& token) { return "Bearer " + jwtFixture("tokens/" + token + ".jwt"); }

std::string echoedHeader(const HttpReply& r, std::string_view name) {
  const json echo = json::parse(r.body, nullptr, false);
  if (!echo.is_object()) return "<no echo>";
  for (const auto& h : echo["headers"]) {
    std::string n = h[0].get<std::string>();
    for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (n == name) return h[1].get<std::string>();
  }
  return "<absent>";
}

class AuthTest : public StackTest {
 protected:
  void SetUp() override {
    StackTest::SetUp();
    if (HasFatalFailure()) return;
    json config = standardGateway();
    config["consumers"] = {{{"id", "buyer-app"}, {"jwt_subject", "buyer-app"}},
                           {{"id", "partner"}, {"api_keys", {"partner-key-123"}}, {"roles", {"partner"}}}};
    config["auth"] = {{"jwt", {{"issuer", "https://issuer.example"},
                               {"audience", "gateway-tests"},
                               {"keys", {{{"kid", "hs"}, {"algorithms", {"HS256"}}, {"secret", jwtFixture("hs_secret.txt")}},
                                         {{"kid", "rsa"}, {"algorithms", {"RS256"}},
                                          {"public_key_file", std::string(GATEWAY_SOURCE_DIR) + "/tests/fixtures/jwt/rsa_public.pem"}}}}}}};
    config["routes"].push_back({{"name", "secure"}, {"match", {{"prefix", "/secure"}}}, {"service", "echo"},
                                {"strip_prefix", true}, {"auth", {{"methods", {"jwt", "api_key"}}}}});
    config["routes"].push_back({{"name", "admin"}, {"match", {{"prefix", "/admin"}}}, {"service", "echo"},
                                {"auth", {{"methods", {"jwt"}}, {"scopes", {"orders:admin"}}}}});
    startGateway(config);
  }
};

TEST_F(AuthTest, MissingCredentialsAre401WithChallenges) {
  const HttpReply r = get("/secure/x");
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer realm=\"gateway\"");
  int challenges = 0;
  for (const auto& [name, value] : r.headers) challenges += name == "WWW-Authenticate" || name == "www-authenticate";
  EXPECT_EQ(challenges, 2);  // Bearer and ApiKey
}

TEST_F(AuthTest, InvalidTokensAre401WithTheReason) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"alg_none", "unsigned tokens (alg none) are not accepted"},
      {"bad_signature", "the token signature is invalid"},
      {"hs_with_rsa_public", "the token algorithm is not allowed for its key"},
      {"expired_1970", "the token has expired"},
  };
  for (const auto& [token, why] : cases) {
    const HttpReply r = get("/secure/x", {{"Authorization", bearer(token)}});
    EXPECT_EQ(r.status, 401) << token << ": " << r.body;
    EXPECT_EQ(r.header("WWW-Authenticate"),
              "Bearer realm=\"gateway\", error=\"invalid_token\", error_description=\"" + why + "\"")
        << token;
  }
}

TEST_F(AuthTest, MissingScopeIs403) {
  const HttpReply r = get("/admin/x", {{"Authorization", bearer("sim_buyer")}});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.header("WWW-Authenticate"),
            "Bearer realm=\"gateway\", error=\"insufficient_scope\", error_description=\"the credentials lack a required "
            "scope\", scope=\"orders:admin\"");
}

TEST_F(AuthTest, IdentityReachesUpstreamAndForgedHeadersDoNot) {
  const HttpReply r = get("/secure/x", {{"Authorization", bearer("sim_buyer")},
                                        {"X-User-ID", "root"},
                                        {"X-Consumer", "admin-app"},
                                        {"X-Role", "superuser"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(echoedHeader(r, "x-user-id"), "buyer-app");
  EXPECT_EQ(echoedHeader(r, "x-consumer"), "buyer-app");
  EXPECT_EQ(echoedHeader(r, "x-role"), "<absent>");  // the token has no roles, and the forged one is gone

  const HttpReply key = get("/secure/y", {{"X-API-Key", "partner-key-123"}, {"X-User-ID", "root"}});
  ASSERT_EQ(key.status, 200) << key.body;
  EXPECT_EQ(echoedHeader(key, "x-user-id"), "partner");
  EXPECT_EQ(echoedHeader(key, "x-role"), "partner");

  // Open routes strip forged identity too.
  const HttpReply open = get("/echo/z", {{"X-User-ID", "root"}, {"X-Role", "admin"}});
  ASSERT_EQ(open.status, 200) << open.body;
  EXPECT_EQ(echoedHeader(open, "x-user-id"), "<absent>");
  EXPECT_EQ(echoedHeader(open, "x-role"), "<absent>");
}

}  // namespace
}  // namespace gateway::testing
