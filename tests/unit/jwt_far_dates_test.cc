// Time claims far from now (found by tests/fuzz/fuzz_jwt): a NumericDate may be up to 1e15
// seconds, and exp or nbf times a million overflowed int64 microseconds (undefined behaviour;
// in practice a far-future exp wrapped negative and read as expired). Such dates now mean the
// end or the start of time.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <gtest/gtest.h>

#include <string>

#include "libgateway/auth/base64url.h"
#include "libgateway/auth/jwt_verifier.h"

namespace gateway {
namespace {

constexpr std::int64_t kFarDatesNow = 1'750'000'000LL * 1'000'000;
const std::string kFarDatesSecret = "far-dates-secret-0123456789abcdef";

std::string hs256Token(const std::string& payload) {
  std::string token = encodeBase64Url(R"({"alg":"HS256","typ":"JWT"})") + "." + encodeBase64Url(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), kFarDatesSecret.data(), static_cast<int>(kFarDatesSecret.size()),
       reinterpret_cast<const unsigned char*>(token.data()), token.size(), mac, &size);
  return token + "." + encodeBase64Url(std::string(reinterpret_cast<const char*>(mac), size));
}

JwtConfig farDatesConfig() {
  JwtConfig c;
  std::string why;
  auto key = JwtKey::fromSecret("", kFarDatesSecret, {JwtAlgorithm::kHS256}, why);
  EXPECT_TRUE(key) << why;
  c.keys.push_back(*key);
  return c;
}

TEST(JwtFarDates, ExpFarInTheFutureIsValid) {
  const JwtConfig c = farDatesConfig();
  for (const char* exp : {"1e14", "1e15", "9223372036854", "4102444800"}) {
    SCOPED_TRACE(exp);
    const JwtVerdict v = JwtVerifier(c).verify(hs256Token(std::string(R"({"exp":)") + exp + "}"), kFarDatesNow);
    EXPECT_TRUE(v.ok()) << v.description;
  }
}

TEST(JwtFarDates, ExpFarInThePastIsExpired) {
  const JwtConfig c = farDatesConfig();
  for (const char* exp : {"-1e14", "-1e15", "0"}) {
    SCOPED_TRACE(exp);
    const JwtVerdict v = JwtVerifier(c).verify(hs256Token(std::string(R"({"exp":)") + exp + "}"), kFarDatesNow);
    EXPECT_EQ(v.failure, JwtFailure::kExpired);
  }
}

TEST(JwtFarDates, NbfFarAwayIsNotYetValidOrFine) {
  const JwtConfig c = farDatesConfig();
  const JwtVerdict future = JwtVerifier(c).verify(hs256Token(R"({"exp":1e15,"nbf":1e15})"), kFarDatesNow);
  EXPECT_EQ(future.failure, JwtFailure::kNotYetValid);
  const JwtVerdict past = JwtVerifier(c).verify(hs256Token(R"({"exp":1e15,"nbf":-1e15})"), kFarDatesNow);
  EXPECT_TRUE(past.ok()) << past.description;
}

}  // namespace
}  // namespace gateway
