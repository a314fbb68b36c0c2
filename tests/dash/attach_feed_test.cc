// gwdash --attach's reading of gatewayd's admin API, without a gatewayd: the URL, /stats,
// /requests/recent and /config documents (good and bad), the loadable copy of a redacted
// config, and the redaction gatewayd applies before showing its config.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libgateway/net/admin_config.h"
#include "tools/gwdash/model/admin_client.h"
#include "tools/gwdash/model/attach_feed.h"

namespace gwdash {
namespace {

using nlohmann::json;

TEST(AttachUrlTest, TakesHostAndPort) {
  AdminUrl url;
  std::string error;
  ASSERT_TRUE(parseAdminUrl("http://127.0.0.1:9901", url, error)) << error;
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, "9901");
  ASSERT_TRUE(parseAdminUrl("http://localhost:80/", url, error)) << error;
  EXPECT_EQ(url.host, "localhost");
  ASSERT_TRUE(parseAdminUrl("http://[::1]:9901", url, error)) << error;
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, "9901");
}

TEST(AttachUrlTest, RefusesWhatIsNotAnAdminAddress) {
  AdminUrl url;
  for (const char* bad : {"127.0.0.1:9901", "https://127.0.0.1:9901", "http://127.0.0.1", "http://127.0.0.1:0",
                          "http://127.0.0.1:70000", "http://127.0.0.1:99x", "http://127.0.0.1:9901/stats", "http://:9901"}) {
    std::string error;
    EXPECT_FALSE(parseAdminUrl(bad, url, error)) << bad;
    EXPECT_NE(error.find(bad), std::string::npos) << "the error names the URL: " << error;
  }
}

TEST(AttachFeedTest, StatsGiveTheSnapshotItsClockAndTheConfigVersion) {
  std::string error;
  const json stats = {{"config_version", 3},
                      {"uptime_s", 12.5},
                      {"policies", {{"now_us", 123456789}, {"circuit_breakers", {{"orders", {{"state", "open"}}}}}}}};
  auto s = parseAttachedStats(stats.dump(), error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->configVersion, 3u);
  EXPECT_EQ(s->now, 123456789);
  EXPECT_DOUBLE_EQ(s->uptimeSeconds, 12.5);
  EXPECT_EQ(s->policies["circuit_breakers"]["orders"]["state"], "open");
}

TEST(AttachFeedTest, StatsThatAreNotGatewaydsAreNamed) {
  std::string error;
  EXPECT_FALSE(parseAttachedStats("<html>hello</html>", error));
  EXPECT_NE(error.find("/stats did not answer with a JSON object"), std::string::npos) << error;
  EXPECT_FALSE(parseAttachedStats(R"({"status": "ok"})", error));
  EXPECT_NE(error.find("no \"policies\""), std::string::npos) << error;
  EXPECT_FALSE(parseAttachedStats(R"({"policies": {}, "config_version": 1})", error));
  EXPECT_NE(error.find("now_us"), std::string::npos) << error;
}

TEST(AttachFeedTest, RecentRequestsBecomeRecords) {
  std::string error;
  const json body = {{"last_id", 7},
                     {"truncated", true},
                     {"requests",
                      json::array({{{"id", 6}, {"route", "orders"}, {"status", 503}, {"circuit_open", true}, {"end_us", 50}},
                                   {{"id", 7}, {"route", "users"}, {"status", 200}, {"instance", "users-2"}, {"tries", 2}}})}};
  auto r = parseAttachedRequests(body.dump(), error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->lastId, 7u);
  EXPECT_TRUE(r->truncated);
  ASSERT_EQ(r->records.size(), 2u);
  EXPECT_EQ(r->records[0].id, 6u);
  EXPECT_EQ(r->records[0].route, "orders");
  EXPECT_TRUE(r->records[0].circuitOpen);
  EXPECT_EQ(r->records[0].end, 50);
  EXPECT_EQ(r->records[1].instance, "users-2");
  EXPECT_EQ(r->records[1].tries, 2u);

  EXPECT_FALSE(parseAttachedRequests(R"({"requests": []})", error));
  EXPECT_NE(error.find("last_id"), std::string::npos) << error;
  EXPECT_FALSE(parseAttachedRequests("[1, 2]", error));
  EXPECT_NE(error.find("/requests/recent"), std::string::npos) << error;
}

json configWithSecrets() {
  return {{"services", json::array({{{"name", "users"}, {"instances", json::array({"127.0.0.1:9001"})}}})},
          {"consumers", json::array({{{"id", "acme"}, {"api_keys", json::array({"acme-secret-key-1", "acme-secret-key-2"})}},
                                     {{"id", "globex"}, {"api_keys", json::array({"globex-secret-key"})}}})},
          {"auth",
           {{"api_key_header", "X-Key"},
            {"jwt",
             {{"keys", json::array({{{"kid", "hs"}, {"algorithms", json::array({"HS256"})}, {"secret", "an-hs256-secret-of-32-bytes-long!!"}},
                                    {{"kid", "rs"}, {"algorithms", json::array({"RS256"})}, {"public_key_file", "keys/rs.pem"}}})},
              {"jwks_file", "keys/jwks.json"}}}}},
          {"routes",
           json::array({{{"name", "users"},
                         {"match", {{"prefix", "/users"}, {"headers", {{"x-key", "a-matched-key"}, {"X-Tenant", "blue"}}}}},
                         {"service", "users"}}})}};
}

TEST(AttachFeedTest, GatewaydRedactsSecretsAndTheResultStillLoadsHere) {
  const json redacted = gateway::net::redactConfig(configWithSecrets());
  const std::string text = redacted.dump();
  for (const char* secret : {"acme-secret-key-1", "acme-secret-key-2", "globex-secret-key", "an-hs256-secret", "a-matched-key"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " shows in " << text;
  }
  EXPECT_EQ(redacted["auth"]["jwt"]["keys"][0]["secret"], gateway::net::kRedacted);
  EXPECT_EQ(redacted["consumers"][0]["api_keys"], json::array({"redacted-0-0", "redacted-0-1"}));
  EXPECT_EQ(redacted["consumers"][1]["api_keys"], json::array({"redacted-1-0"}));
  EXPECT_EQ(redacted["routes"][0]["match"]["headers"]["x-key"], gateway::net::kRedacted) << "the API-key header, any case";
  EXPECT_EQ(redacted["routes"][0]["match"]["headers"]["X-Tenant"], "blue") << "not a credential";
  EXPECT_EQ(redacted["auth"]["jwt"]["keys"][1]["public_key_file"], "keys/rs.pem") << "a path, not a secret";

  // Key files are gatewayd's: here every key becomes a stand-in with its kid, and it loads.
  const json loadable = loadableConfig(redacted);
  EXPECT_FALSE(loadable["auth"]["jwt"].contains("jwks_file"));
  ASSERT_EQ(loadable["auth"]["jwt"]["keys"].size(), 2u);
  EXPECT_EQ(loadable["auth"]["jwt"]["keys"][1]["kid"], "rs");
  std::string error;
  auto config = parseAttachedConfig(json({{"config_version", 4}, {"config", redacted}}).dump(), error);
  ASSERT_TRUE(config) << error;
  EXPECT_EQ(config->version, 4u);
  ASSERT_EQ(config->config->routes.size(), 1u);
  EXPECT_EQ(config->config->routes[0].name, "users");
  ASSERT_EQ(config->config->consumers.size(), 2u);
  EXPECT_TRUE(config->config->auth.jwt.has_value());
}

TEST(AttachFeedTest, AConfigThatDoesNotLoadIsNamedWithItsPath) {
  std::string error;
  const json body = {{"config_version", 1}, {"config", {{"services", json::array()}, {"routes", json::array({{{"name", "x"}}})}}}};
  EXPECT_FALSE(parseAttachedConfig(body.dump(), error));
  EXPECT_NE(error.find("/config/routes/0"), std::string::npos) << error;
  EXPECT_FALSE(parseAttachedConfig(R"({"config": {}})", error));
  EXPECT_NE(error.find("config_version"), std::string::npos) << error;
}

}  // namespace
}  // namespace gwdash
