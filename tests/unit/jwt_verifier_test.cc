// JWT verification against vectors made outside our code: the RFC 7515 appendix A examples
// (A.1 HS256, A.2 RS256, A.3 ES256, verified with the published keys) and tokens signed by the
// openssl CLI in tests/fixtures/jwt/make_fixtures.sh; then the classic attacks, each with its
// exact failure and description, the cache, and the key checks made when a config loads.
#include "libgateway/auth/jwt_verifier.h"

#include <gtest/gtest.h>

#include "tests/fixtures/jwt/jwt_fixtures.h"

#include <fstream>

#include "libgateway/auth/base64url.h"
#include "libgateway/config/auth_loader.h"
#include "libgateway/config/config_loader.h"

namespace gateway {
namespace {

using testing::jwtFixture;
using testing::jwtFixturePath;

constexpr std::int64_t kSecond = 1'000'000;
// "Now" for the fixture tokens: 2025-06-15 (they are valid 2023-11-14 .. 2100-01-01).
constexpr std::int64_t kVerifyNow = 1'750'000'000 * kSecond;


std::string token(const std::string& name) { return jwtFixture("tokens/" + name + ".jwt"); }

// ---- RFC 7515 appendix A ------------------------------------------------------------------
// The payload of A.1-A.3: {"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}
constexpr const char* kRfcPayload = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
constexpr std::int64_t kRfcExp = 1300819380;

JwtKey jwk(const nlohmann::json& j) {
  FieldErrors errors;
  auto key = JwtKey::fromJwk(j, "/jwk", errors);
  EXPECT_TRUE(key) << errors.text();
  return *key;
}

JwtConfig rfcConfig(JwtKey key) {
  JwtConfig c;
  c.leewaySeconds = 0;
  c.keys.push_back(std::move(key));
  return c;
}

TEST(JwtRfc7515, A1Hs256) {
  const JwtConfig c = rfcConfig(jwk({{"kty", "oct"},
                                     {"k", "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}}));
  const JwtVerifier v(c);
  const std::string t = std::string("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.") + kRfcPayload +
                        ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  const JwtVerdict ok = v.verify(t, (kRfcExp - 1) * kSecond);
  ASSERT_TRUE(ok.ok()) << ok.description;
  EXPECT_EQ(ok.claims->issuer, "joe");
  EXPECT_EQ(ok.claims->expires, kRfcExp);
  // exp is exclusive: at 1300819380 exactly the token is no longer valid.
  const JwtVerdict late = JwtVerifier(c).verify(t, kRfcExp * kSecond);
  EXPECT_EQ(late.failure, JwtFailure::kExpired);
  EXPECT_EQ(late.description, "the token has expired");
}

const nlohmann::json kRfcRsaJwk = {
    {"kty", "RSA"},
    {"n", "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"},
    {"e", "AQAB"}};
const std::string kRfcRs256Token =
    std::string("eyJhbGciOiJSUzI1NiJ9.") + kRfcPayload +
    ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t"
    "1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwu"
    "sC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

TEST(JwtRfc7515, A2Rs256) {
  const JwtConfig c = rfcConfig(jwk(kRfcRsaJwk));
  const JwtVerifier v(c);
  const JwtVerdict ok = v.verify(kRfcRs256Token, (kRfcExp - 60) * kSecond);
  ASSERT_TRUE(ok.ok()) << ok.description;
  EXPECT_EQ(ok.claims->issuer, "joe");
  // One flipped signature bit fails.
  std::string bad = kRfcRs256Token;
  bad[bad.size() - 3] = bad[bad.size() - 3] == 'R' ? 'S' : 'R';
  EXPECT_EQ(JwtVerifier(c).verify(bad, (kRfcExp - 60) * kSecond).failure, JwtFailure::kSignature);
}

TEST(JwtRfc7515, A3Es256) {
  const JwtConfig c = rfcConfig(jwk({{"kty", "EC"},
                                     {"crv", "P-256"},
                                     {"x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"},
                                     {"y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}}));
  const JwtVerifier v(c);
  const std::string t = std::string("eyJhbGciOiJFUzI1NiJ9.") + kRfcPayload +
                        ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
  const JwtVerdict ok = v.verify(t, (kRfcExp - 60) * kSecond);
  ASSERT_TRUE(ok.ok()) << ok.description;
  EXPECT_EQ(ok.claims->issuer, "joe");
}

TEST(JwtRfc7515, RsaVectorIsNotAcceptedAsHmacWithTheSameJwk) {
  // The A.2 JWK limited to RS256 by "alg": an HS256 header is refused before any HMAC runs.
  nlohmann::json j = kRfcRsaJwk;
  j["alg"] = "RS256";
  const JwtConfig c = rfcConfig(jwk(j));
  const std::string hs = std::string("eyJhbGciOiJIUzI1NiJ9.") + kRfcPayload + ".AAAA";
  const JwtVerdict v = JwtVerifier(c).verify(hs, (kRfcExp - 60) * kSecond);
  EXPECT_EQ(v.failure, JwtFailure::kAlgorithm);
  EXPECT_EQ(v.description, "the token algorithm is not allowed for its key");
}

// ---- openssl-made fixtures ----------------------------------------------------------------------
std::shared_ptr<const Config> fixtureConfig(const nlohmann::json& jwtOverrides = nlohmann::json::object()) {
  nlohmann::json jwt = {
      {"issuer", "https://issuer.example"},
      {"audience", "gateway-tests"},
      {"leeway_s", 30},
      {"keys", nlohmann::json::array({
                   {{"kid", "hs"}, {"algorithms", {"HS256", "HS384", "HS512"}}, {"secret", jwtFixture("hs_secret.txt")}},
                   {{"kid", "rsa"}, {"algorithms", {"RS256", "RS384", "RS512", "PS256"}}, {"public_key_file", "rsa_public.pem"}},
                   {{"kid", "ec256"}, {"algorithms", {"ES256"}}, {"public_key_file", "ec256_public.pem"}},
                   {{"kid", "ec384"}, {"algorithms", {"ES384"}}, {"public_key_file", "ec384_public.pem"}},
                   {{"kid", "ed25519"}, {"algorithms", {"EdDSA"}}, {"public_key_file", "ed25519_public.pem"}},
               })},
      {"jwks_file", "jwks.json"}};
  jwt.update(jwtOverrides);
  const nlohmann::json doc = {{"services", {{{"name", "s"}, {"instances", {"10.0.0.1:80"}}}}},
                              {"routes", {{{"name", "r"}, {"match", {{"prefix", "/"}}}, {"service", "s"}}}},
                              {"auth", {{"jwt", jwt}}}};
  ConfigLoad load = loadConfigJson(doc, "", jwtFixturePath(""));
  EXPECT_TRUE(load.ok()) << load.errors.text();
  return load.config;
}

class JwtFixtureTest : public ::testing::Test {
 protected:
  std::shared_ptr<const Config> config = fixtureConfig();
  JwtVerifier verifier{*config->auth.jwt};
};

TEST_F(JwtFixtureTest, EveryAlgorithmVerifies) {
  for (const char* name : {"hs256", "hs384", "hs512", "rs256", "rs384", "rs512", "ps256", "es256", "es384", "eddsa",
                           "jwks_rs256", "jwks_es256", "jwks_es384", "jwks_eddsa", "rs256_no_kid"}) {
    const JwtVerdict v = verifier.verify(token(name), kVerifyNow);
    ASSERT_TRUE(v.ok()) << name << ": " << v.description;
    EXPECT_FALSE(v.cached) << name;
    EXPECT_EQ(v.claims->subject, "alice") << name;
    EXPECT_EQ(v.claims->issuer, "https://issuer.example");
    EXPECT_EQ(v.claims->audiences, std::vector<std::string>{"gateway-tests"});
    EXPECT_EQ(v.claims->scopes, (std::vector<std::string>{"orders:read", "orders:write"}));
    EXPECT_EQ(v.claims->roles, (std::vector<std::string>{"admin", "ops"}));
    EXPECT_EQ(v.claims->expires, 4102444800);
  }
}

TEST_F(JwtFixtureTest, ScpArrayAndRoleString) {
  const JwtVerdict v = verifier.verify(token("bob_read"), kVerifyNow);
  ASSERT_TRUE(v.ok()) << v.description;
  EXPECT_EQ(v.claims->subject, "bob");
  EXPECT_EQ(v.claims->scopes, std::vector<std::string>{"orders:read"});
  EXPECT_EQ(v.claims->roles, std::vector<std::string>{"viewer"});
}

struct Attack {
  const char* token;
  JwtFailure failure;
  const char* description;
};

TEST_F(JwtFixtureTest, AttacksAreRefusedWithTheirReason) {
  const std::vector<Attack> attacks = {
      {"alg_none", JwtFailure::kAlgorithm, "unsigned tokens (alg none) are not accepted"},
      {"alg_none_mixed_case", JwtFailure::kAlgorithm, "unsigned tokens (alg none) are not accepted"},
      {"hs_with_rsa_public", JwtFailure::kAlgorithm, "the token algorithm is not allowed for its key"},
      // Without a kid, only the HMAC key is a candidate, and the RSA public key is not its secret.
      {"hs_with_rsa_public_no_kid", JwtFailure::kSignature, "the token signature is invalid"},
      {"bad_signature", JwtFailure::kSignature, "the token signature is invalid"},
      {"tampered_payload", JwtFailure::kSignature, "the token signature is invalid"},
      {"wrong_key", JwtFailure::kSignature, "the token signature is invalid"},
      {"expired", JwtFailure::kExpired, "the token has expired"},
      {"not_yet_valid", JwtFailure::kNotYetValid, "the token is not valid yet"},
      {"wrong_issuer", JwtFailure::kIssuer, "the token issuer is not accepted"},
      {"wrong_audience", JwtFailure::kAudience, "the token audience is not accepted"},
      {"unknown_kid", JwtFailure::kUnknownKey, "the token key id is unknown"},
      {"no_exp", JwtFailure::kMissingClaim, "the token has no exp claim"},
  };
  for (const auto& a : attacks) {
    const JwtVerdict v = verifier.verify(token(a.token), kVerifyNow);
    EXPECT_FALSE(v.ok()) << a.token;
    EXPECT_EQ(v.failure, a.failure) << a.token << ": " << v.description;
    EXPECT_EQ(v.description, a.description) << a.token;
  }
  EXPECT_EQ(verifier.cache().size(), 0u);  // nothing invalid is cached
}

TEST_F(JwtFixtureTest, MalformedSegments) {
  const std::string good = token("rs256");
  const std::string header = good.substr(0, good.find('.'));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "the token is not three base64url segments"},
      {"abc", "the token is not three base64url segments"},
      {"a.b", "the token is not three base64url segments"},
      {good + ".x.y", "the token is not three base64url segments (encrypted tokens are not supported)"},
      {".e30.sig", "the token header is not base64url"},
      {"e30=.e30.sig", "the token header is not base64url"},             // padding is not base64url
      {"!!!." + good.substr(good.find('.') + 1), "the token header is not base64url"},
      {encodeBase64Url("[1,2]") + ".e30.sig", "the token header is not a JSON object"},
      {encodeBase64Url("{\"alg\":") + ".e30.sig", "the token header is not a JSON object"},
      {encodeBase64Url("{\"typ\":\"JWT\"}") + ".e30.sig", "the token header has no alg"},
      {encodeBase64Url("{\"alg\":\"RS256\",\"kid\":7}") + ".e30.sig", "the token kid is not a string"},
      {encodeBase64Url("{\"alg\":\"RS256\",\"crit\":[\"exp\"],\"kid\":\"rsa\"}") + ".e30.sig",
       "critical header parameters are not supported"},
      {header + ".e30.", "the token signature is not base64url"},
      {header + ".e30.a+b/", "the token signature is not base64url"},
      {std::string(20000, 'a'), "the token is too long"},
  };
  for (const auto& [t, why] : cases) {
    const JwtVerdict v = verifier.verify(t, kVerifyNow);
    EXPECT_EQ(v.failure, JwtFailure::kMalformed) << t.substr(0, 60) << ": " << v.description;
    EXPECT_EQ(v.description, why) << t.substr(0, 60);
  }
  const JwtVerdict unknownAlg = verifier.verify(encodeBase64Url("{\"alg\":\"XS256\"}") + ".e30.sig", kVerifyNow);
  EXPECT_EQ(unknownAlg.failure, JwtFailure::kAlgorithm);
  EXPECT_EQ(unknownAlg.description, "the token algorithm is not supported");
}

TEST_F(JwtFixtureTest, LeewayAppliesToExpAndNbf) {
  // expired.jwt: exp 1749999970; leeway 30 s keeps it valid until 1750000000 (exclusive).
  EXPECT_TRUE(JwtVerifier(*config->auth.jwt).verify(token("expired"), kVerifyNow - 1).ok());
  EXPECT_EQ(JwtVerifier(*config->auth.jwt).verify(token("expired"), kVerifyNow).failure, JwtFailure::kExpired);
  // not_yet_valid.jwt: nbf 1750000045; valid from 1750000015 with the leeway.
  EXPECT_EQ(JwtVerifier(*config->auth.jwt).verify(token("not_yet_valid"), kVerifyNow + 14 * kSecond).failure,
            JwtFailure::kNotYetValid);
  EXPECT_TRUE(JwtVerifier(*config->auth.jwt).verify(token("not_yet_valid"), kVerifyNow + 15 * kSecond).ok());
}

TEST_F(JwtFixtureTest, NoExpAcceptedWhenNotRequired) {
  auto relaxed = fixtureConfig({{"require_exp", false}});
  const JwtVerdict v = JwtVerifier(*relaxed->auth.jwt).verify(token("no_exp"), kVerifyNow);
  ASSERT_TRUE(v.ok()) << v.description;
  EXPECT_FALSE(v.claims->expires);
}

TEST_F(JwtFixtureTest, AnyListedIssuerAndAudience) {
  auto c = fixtureConfig({{"issuer", nlohmann::json::array({"https://evil.example", "https://issuer.example"})},
                          {"audience", nlohmann::json::array({"more"})}});
  JwtVerifier v(*c->auth.jwt);
  EXPECT_EQ(v.verify(token("wrong_issuer"), kVerifyNow).failure, JwtFailure::kAudience);  // issuer now fine
  EXPECT_TRUE(v.verify(token("wrong_audience"), kVerifyNow).ok());                          // "more" is in its list
}

TEST_F(JwtFixtureTest, CacheAnswersRepeatsUntilExpiry) {
  const std::string t = token("expired");  // exp 1749999970 + 30 s leeway
  const TimePoint early = 1'749'000'000 * kSecond;
  EXPECT_FALSE(verifier.verify(t, early).cached);
  const JwtVerdict again = verifier.verify(t, early + kSecond);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again.cached);
  EXPECT_EQ(verifier.cache().hits(), 1u);
  // Past exp + leeway the cache entry no longer answers, and the full check refuses it.
  const JwtVerdict late = verifier.verify(t, kVerifyNow);
  EXPECT_FALSE(late.cached);
  EXPECT_EQ(late.failure, JwtFailure::kExpired);
}

TEST(JwtCacheTest, BoundedByEntries) {
  JwtCache cache(32);  // 2 per shard
  auto claims = std::make_shared<JwtClaims>();
  for (int i = 0; i < 1000; ++i) cache.insert("token-" + std::to_string(i) + "-signature-tail", claims, INT64_MAX);
  EXPECT_LE(cache.size(), 32u);
  JwtCache off(0);
  off.insert("t", claims, INT64_MAX);
  EXPECT_EQ(off.size(), 0u);
  EXPECT_EQ(off.find("t", 0), nullptr);
}

// ---- keys checked at load -----------------------------------------------------------------------
std::string loadErrors(const nlohmann::json& jwt) {
  const nlohmann::json doc = {{"services", {{{"name", "s"}, {"instances", {"10.0.0.1:80"}}}}},
                              {"routes", {{{"name", "r"}, {"match", {{"prefix", "/"}}}, {"service", "s"}}}},
                              {"auth", {{"jwt", jwt}}}};
  ConfigLoad load = loadConfigJson(doc, "", jwtFixturePath(""));
  EXPECT_FALSE(load.ok());
  return load.errors.text();
}

TEST(JwtKeyConfig, UnsafeKeysAreRefusedWithTheirPath) {
  const std::string text = loadErrors({{"keys", nlohmann::json::array({
      {{"kid", "a"}, {"algorithms", {"none"}}, {"secret", std::string(64, 'x')}},
      {{"kid", "b"}, {"algorithms", {"HS256"}}, {"public_key_file", "rsa_public.pem"}},
      {{"kid", "c"}, {"algorithms", {"HS256"}}, {"secret", "short"}},
      {{"kid", "d"}, {"algorithms", {"RS256"}}, {"public_key_file", "rsa1024_public.pem"}},
      {{"kid", "e"}, {"algorithms", {"ES384"}}, {"public_key_file", "ec256_public.pem"}},
      {{"kid", "f"}, {"algorithms", {"RS256"}}, {"public_key_pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}},
      {{"kid", "g"}, {"algorithms", {"RS256"}}, {"public_key_file", "missing.pem"}},
      {{"kid", "h"}, {"algorithms", {"HS256"}}, {"secret", std::string(64, 'x')}, {"public_key_file", "rsa_public.pem"}},
      {{"kid", "i"}, {"secret", std::string(64, 'x')}},
  })}});
  for (const char* want : {
           "/auth/jwt/keys/0/algorithms/0: \"none\" is never accepted: unsigned tokens would pass",
           "/auth/jwt/keys/1/public_key_file: HS256 needs an HMAC secret, but this key is an RSA public key",
           "/auth/jwt/keys/2/secret: HS256 needs a secret of at least 32 bytes, got 5",
           "/auth/jwt/keys/3/public_key_file: RSA key of 1024 bits is too small (at least 2048)",
           "/auth/jwt/keys/4/public_key_file: ES384 needs an EC P-384 public key, but this key is an EC P-256 public key",
           "/auth/jwt/keys/5/public_key_pem: not a PEM public key (expected -----BEGIN PUBLIC KEY-----)",
           "/auth/jwt/keys/6/public_key_file: cannot open",
           "/auth/jwt/keys/7: give exactly one of: secret, secret_base64url, public_key_pem, public_key_file",
           "/auth/jwt/keys/8/algorithms: required field is missing",
       }) {
    EXPECT_NE(text.find(want), std::string::npos) << "missing: " << want << "\nall:\n" << text;
  }
  EXPECT_EQ(text.find(std::string(64, 'x')), std::string::npos) << "a secret was echoed";
}

TEST(JwtKeyConfig, JwksErrorsNameTheFileAndThePathInside) {
  const std::string dir = ::testing::TempDir();
  std::ofstream(dir + "/bad_jwks.json") << R"({"keys": [
    {"kty": "RSA", "n": "AQAB"},
    {"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA"},
    {"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"},
    {"kty": "oct", "k": "c2hvcnQ"},
    {"kty": "RSA", "use": "enc", "n": "AQAB", "e": "AQAB"},
    {"kty": "OKP", "crv": "X25519", "x": "AA"},
    {"kty": "oct", "alg": "none", "k": "c2hvcnQ"}
  ]})";
  const std::string text = loadErrors({{"jwks_file", dir + "/bad_jwks.json"}});
  for (const char* want : {
           "/auth/jwt/jwks_file: " , "/keys/0/e: required field is missing",
           "/keys/1/crv: curve \"P-521\" is not supported (P-256 or P-384)",
           "/keys/2: x and y are not a point on the curve",
           "/keys/3: HS256 needs a secret of at least 32 bytes, got 5",
           "/keys/4/use: \"enc\" keys do not verify signatures (expected \"sig\")",
           "/keys/5/crv: only Ed25519 is supported, got \"X25519\"",
           "/keys/6/alg: \"none\" is not a supported signature algorithm",
       }) {
    EXPECT_NE(text.find(want), std::string::npos) << "missing: " << want << "\nall:\n" << text;
  }
}

TEST(Base64Url, StrictDecoding) {
  EXPECT_EQ(decodeBase64Url("aGVsbG8"), "hello");
  EXPECT_EQ(encodeBase64Url("hello"), "aGVsbG8");
  EXPECT_EQ(encodeBase64Url(std::string("\xfb\xff", 2)), "-_8");
  EXPECT_EQ(decodeBase64Url("-_8"), std::string("\xfb\xff", 2));
  EXPECT_FALSE(decodeBase64Url("aGVsbG8="));  // padding
  EXPECT_FALSE(decodeBase64Url("aGVsbG9"));   // stray bits: not the canonical encoding
  EXPECT_FALSE(decodeBase64Url("a"));         // impossible length
  EXPECT_FALSE(decodeBase64Url("+/"));        // base64, not base64url
  EXPECT_EQ(decodeBase64Url(""), "");
}

}  // namespace
}  // namespace gateway
