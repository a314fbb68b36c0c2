// Per-route response header rules through gatewayd and mock-services: fields removed, added
// (replacing the upstream's) and appended on upstream answers and on the gateway's own 429 for
// the route; other routes untouched; a reload changes the rules live; a bad rule is refused
// with its JSON path and the running rules stay.
#include "tests/integration/stack_test.h"

namespace gateway::testing {
namespace {

using nlohmann::json;

class ResponseHeadersTest : public StackTest {
 protected:
  json config(const json& rules) const {
    json c = standardGateway();
    for (auto& r : c["routes"]) {
      if (r["name"] == "users") {
        r["response_headers"] = rules;
        r["rate_limit"] = {{"policies", {"tight"}}};
      }
    }
    c["rate_limits"] = {{"policies", {{"tight", {{"algorithm", "fixed_window"}, {"limit", 2}, {"window_ms", 60000}, {"key", "route"}}}}}};
    return c;
  }
  const json rules_ = {{"remove", {"X-Mock-Instance", "RateLimit-Policy"}},
                       {"add", {{"X-Frame-Options", "DENY"}, {"X-Mock-Service", "hidden"}}},
                       {"append", {{"Cache-Control", "no-transform"}}}};
};

TEST_F(ResponseHeadersTest, RulesApplyToUpstreamAnswersAndTheGatewaysOwn) {
  startGateway(config(rules_));
  const HttpReply r = get("/api/users/7");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.has("X-Mock-Instance"));
  EXPECT_EQ(r.header("X-Mock-Service"), "hidden");  // replaced, not added beside
  EXPECT_EQ(r.header("X-Frame-Options"), "DENY");
  EXPECT_EQ(r.header("Cache-Control"), "no-transform");
  EXPECT_EQ(r.header("X-Mock-Target"), "/users/7");  // what no rule names passes
  EXPECT_FALSE(r.has("RateLimit-Policy"));           // a field another stage added
  EXPECT_TRUE(r.has("RateLimit"));
  get("/api/users/8");
  const HttpReply limited = get("/api/users/9");
  ASSERT_EQ(limited.status, 429);
  EXPECT_EQ(limited.header("X-Frame-Options"), "DENY");
  EXPECT_FALSE(limited.header("Retry-After").empty());
  // Another route is untouched.
  const HttpReply other = get("/api/orders?userId=1");
  EXPECT_EQ(other.status, 200);
  EXPECT_FALSE(other.has("X-Frame-Options"));
  EXPECT_EQ(other.header("X-Mock-Service"), "orders");
}

TEST_F(ResponseHeadersTest, AReloadChangesTheRulesAndABadRuleIsRefusedWithItsPath) {
  startGateway(config(rules_));
  EXPECT_EQ(get("/api/users/1").header("X-Frame-Options"), "DENY");
  stack_.writeGatewayConfig(config({{"add", {{"X-Frame-Options", "SAMEORIGIN"}}}}));
  HttpReply reload = fetch(stack_.admin(), "POST", "/reload");
  ASSERT_EQ(reload.status, 200) << reload.body;
  const HttpReply after = get("/api/users/2");
  EXPECT_EQ(after.header("X-Frame-Options"), "SAMEORIGIN");
  EXPECT_TRUE(after.has("X-Mock-Instance"));  // no longer removed

  stack_.writeGatewayConfig(config({{"add", {{"Content-Length", "0"}}}}));
  reload = fetch(stack_.admin(), "POST", "/reload");
  EXPECT_NE(reload.status, 200);
  EXPECT_NE(reload.body.find("/routes/0/response_headers/add/Content-Length"), std::string::npos) << reload.body;
  EXPECT_EQ(get("/api/users/3").header("X-Frame-Options"), "SAMEORIGIN");
}

}  // namespace
}  // namespace gateway::testing
