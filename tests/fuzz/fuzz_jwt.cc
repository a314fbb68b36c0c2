// Bytes as a bearer token into the JWT verifier (libgateway/auth/jwt_verifier.h), with the JWT
// fixtures' keys: HS256/384/512 secret, RSA, EC P-256, P-384 and Ed25519 public keys and the
// fixture JWKS. The first byte picks the mode:
//   bit 0 clear: the rest is the token as a client sends it;
//   bit 0 set:   the rest is "<header JSON>\n<payload JSON>", which the target signs with the
//                HMAC secret (bits 1-2: SHA-256, -384 or -512), so the claim checks behind
//                the signature are fuzzed too;
//   bit 3:       a lax config (no issuer or audience list, exp optional, leeway 1 h).
// Invariants: a verdict is valid with claims or refused with a reason and a description (a
// view of fixed text: it cannot echo the token); a valid token's claims satisfy the config (exp
// ahead of now, nbf behind it, within the leeway; issuer and audience accepted); asking
// again gives the same verdict (from the cache when it was valid).
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "jwt_fixture_keys.h"
#include "libgateway/auth/base64url.h"
#include "libgateway/auth/jwt_verifier.h"
#include "libgateway/config/auth_loader.h"

namespace {

using gateway::JwtAlgorithm;
using gateway::fuzz::invariantBroken;
using gateway::fuzz::trimmedFixture;

constexpr std::int64_t kJwtNowMicros = 1'750'000'000LL * 1'000'000;  // the fixture tokens' "now"

gateway::JwtKey pemKey(const char* kid, const char* pem, std::vector<JwtAlgorithm> algorithms) {
  std::string why;
  auto key = gateway::JwtKey::fromPem(kid, pem, std::move(algorithms), why);
  if (!key) invariantBroken(__FILE__, __LINE__, "a fixture key loads", why);
  return *key;
}

gateway::JwtConfig fixtureJwtConfig(bool lax) {
  gateway::JwtConfig c;
  if (!lax) {
    c.issuers = {"https://issuer.example"};
    c.audiences = {"gateway-tests"};
  }
  c.leewaySeconds = lax ? 3600 : 30;
  c.requireExp = !lax;
  std::string why;
  auto hs = gateway::JwtKey::fromSecret("hs", trimmedFixture(kFixture_hs_secret),
                                        {JwtAlgorithm::kHS256, JwtAlgorithm::kHS384, JwtAlgorithm::kHS512}, why);
  if (!hs) invariantBroken(__FILE__, __LINE__, "the fixture secret loads", why);
  c.keys.push_back(*hs);
  c.keys.push_back(pemKey("rsa", kFixture_rsa_public,
                          {JwtAlgorithm::kRS256, JwtAlgorithm::kRS384, JwtAlgorithm::kRS512, JwtAlgorithm::kPS256}));
  c.keys.push_back(pemKey("ec256", kFixture_ec256_public, {JwtAlgorithm::kES256}));
  c.keys.push_back(pemKey("ec384", kFixture_ec384_public, {JwtAlgorithm::kES384}));
  c.keys.push_back(pemKey("ed25519", kFixture_ed25519_public, {JwtAlgorithm::kEdDSA}));
  gateway::FieldErrors errors;
  for (auto& k : gateway::loadJwks(nlohmann::json::parse(kFixture_jwks), "", errors)) c.keys.push_back(std::move(k));
  if (!errors.empty()) invariantBroken(__FILE__, __LINE__, "the fixture JWKS loads", errors.text());
  return c;
}

std::string signedToken(std::string_view spec, int hash) {
  const auto newline = spec.find('\n');
  const std::string_view header = spec.substr(0, newline);
  const std::string_view payload = newline == std::string_view::npos ? std::string_view() : spec.substr(newline + 1);
  std::string token = gateway::encodeBase64Url(header) + "." + gateway::encodeBase64Url(payload);
  const EVP_MD* md = hash == 0 ? EVP_sha256() : hash == 1 ? EVP_sha384() : EVP_sha512();
  const std::string secret = trimmedFixture(kFixture_hs_secret);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int macSize = 0;
  HMAC(md, secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(token.data()),
       token.size(), mac, &macSize);
  token += "." + gateway::encodeBase64Url(std::string_view(reinterpret_cast<const char*>(mac), macSize));
  return token;
}

void checkVerdict(const gateway::JwtVerdict& v, const gateway::JwtConfig& c) {
  if (!v.ok()) {
    FUZZ_CHECK(v.failure != gateway::JwtFailure::kNone, "refused without a reason");
    FUZZ_CHECK(!v.description.empty(), "refused without a description");
    return;
  }
  FUZZ_CHECK(v.failure == gateway::JwtFailure::kNone, "valid with a failure");
  const gateway::JwtClaims& claims = *v.claims;
  const std::int64_t leeway = c.leewaySeconds * 1'000'000;
  if (c.requireExp) FUZZ_CHECK(claims.expires.has_value(), "valid without exp");
  if (claims.expires) {
    FUZZ_CHECK(*claims.expires > (kJwtNowMicros - leeway) / 1'000'000 - 1, "valid after exp " + std::to_string(*claims.expires));
  }
  if (claims.notBefore) {
    FUZZ_CHECK(*claims.notBefore <= (kJwtNowMicros + leeway) / 1'000'000, "valid before nbf " + std::to_string(*claims.notBefore));
  }
  if (!c.issuers.empty()) {
    FUZZ_CHECK(std::find(c.issuers.begin(), c.issuers.end(), claims.issuer) != c.issuers.end(), "issuer not accepted");
  }
  if (!c.audiences.empty()) {
    FUZZ_CHECK(std::any_of(claims.audiences.begin(), claims.audiences.end(),
                           [&](const std::string& a) { return a == c.audiences.front(); }),
               "audience not accepted");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const gateway::JwtConfig strict = fixtureJwtConfig(false);
  static const gateway::JwtConfig lax = fixtureJwtConfig(true);
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string token = (mode & 1) ? signedToken(rest, ((mode >> 1) & 3) % 3) : std::string(rest);
  const gateway::JwtConfig& config = (mode & 8) ? lax : strict;
  // A verifier per input: its cache is state that must not carry over.
  const gateway::JwtVerifier verifier(config);
  const gateway::JwtVerdict first = verifier.verify(token, kJwtNowMicros);
  checkVerdict(first, config);
  const gateway::JwtVerdict second = verifier.verify(token, kJwtNowMicros);
  FUZZ_CHECK(second.ok() == first.ok() && second.failure == first.failure, "a second look gave another verdict");
  if (first.ok()) FUZZ_CHECK(second.cached, "a valid token was not cached");
  return 0;
}
