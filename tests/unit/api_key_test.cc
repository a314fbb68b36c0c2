// API keys: identified by their SHA-256 digest (the runtime index holds digests only), a
// present but unknown key is 401 on every route, and a key identifies the consumer (tier,
// roles, scopes) without the key itself ever reaching a log line or an error message.
#include <gtest/gtest.h>

#include "libgateway/pipeline/consumer_stage.h"
#include "test_support.h"

namespace gateway {
namespace {

using testing::GatewayHarness;
using testing::makeRequest;

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

TEST(ApiKey, DigestIsSha256) {
  // FIPS 180-2 test vector.
  EXPECT_EQ(hex(apiKeyDigest("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

std::shared_ptr<const Config> keyConfig() {
  return testing::mustParse(R"({
    "services": [{"name": "s", "instances": ["10.0.0.1:80"]}],
    "rate_limits": {"tiers": {"gold": {"algorithm": "token_bucket", "rate": 10, "burst": 10}}},
    "consumers": [{"id": "acme", "tier": "gold", "api_keys": ["acme-key-0001", "acme-key-0002"], "roles": ["partner"]}],
    "auth": {"api_key_header": "X-Key"},
    "routes": [{"name": "r", "match": {"prefix": "/"}, "service": "s"}]})");
}

TEST(ApiKey, RuntimeIndexHoldsDigestsOnly) {
  GatewayHarness h(keyConfig());
  const GatewayRuntime& rt = *h.shared.runtime();
  EXPECT_EQ(rt.consumerByKeyDigest("acme-key-0001"), nullptr);
  ASSERT_NE(rt.consumerByKeyDigest(apiKeyDigest("acme-key-0002")), nullptr);
  EXPECT_EQ(rt.consumerByKeyDigest(apiKeyDigest("acme-key-0002"))->id, "acme");
}

TEST(ApiKey, KeyIdentifiesTheConsumerOnAnOpenRoute) {
  GatewayHarness h(keyConfig());
  h.gateway.addStage(std::make_unique<ConsumerStage>());
  h.start(makeRequest("GET", "/x", {{"X-Key", "acme-key-0001"}}));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  const Headers& up = h.transport.sends[0].request.headers;
  EXPECT_EQ(up.get("x-consumer"), "acme");
  EXPECT_EQ(up.get("x-user-id"), "acme");
  EXPECT_EQ(up.get("x-role"), "partner");
  h.transport.respond(200);
  // Without a key: anonymous, no identity headers.
  h.start(makeRequest("GET", "/x"));
  EXPECT_FALSE(h.transport.sends[0].request.headers.has("x-consumer"));
}

TEST(ApiKey, UnknownKeyIs401AndNotEchoed) {
  GatewayHarness h(keyConfig());
  h.gateway.addStage(std::make_unique<ConsumerStage>());
  auto res = h.start(makeRequest("GET", "/x", {{"X-Key", "stolen-key-9999"}}));
  ASSERT_TRUE(res->has_value());
  EXPECT_EQ((*res)->status, 401);
  EXPECT_EQ((*res)->headers.get("www-authenticate"), "ApiKey realm=\"gateway\", error=\"invalid_key\"");
  EXPECT_EQ((*res)->body.find("stolen-key-9999"), std::string::npos);
  EXPECT_EQ(h.transport.total, 0u);
}

TEST(ApiKey, RememberedKeysAreForgottenWhenTheConfigChanges) {
  // A worker remembers keys it has verified; a reload that revokes a key must take effect at once.
  GatewayHarness h(keyConfig());
  h.gateway.addStage(std::make_unique<ConsumerStage>());
  for (int i = 0; i < 3; ++i) {
    h.start(makeRequest("GET", "/x", {{"X-Key", "acme-key-0001"}}));
    ASSERT_EQ(h.transport.sends.size(), 1u);
    EXPECT_EQ(h.transport.sends[0].request.headers.get("x-consumer"), "acme");
    h.transport.respond(200);
  }
  h.gateway.reload(testing::mustParse(R"({
    "services": [{"name": "s", "instances": ["10.0.0.1:80"]}],
    "consumers": [{"id": "acme", "api_keys": ["acme-key-0002"]}],
    "auth": {"api_key_header": "X-Key"},
    "routes": [{"name": "r", "match": {"prefix": "/"}, "service": "s"}]})"));
  auto revoked = h.start(makeRequest("GET", "/x", {{"X-Key", "acme-key-0001"}}));
  ASSERT_TRUE(revoked->has_value());
  EXPECT_EQ((*revoked)->status, 401);
  h.start(makeRequest("GET", "/x", {{"X-Key", "acme-key-0002"}}));
  ASSERT_EQ(h.transport.sends.size(), 1u);
  EXPECT_EQ(h.transport.sends[0].request.headers.get("x-consumer"), "acme");
}

}  // namespace
}  // namespace gateway
