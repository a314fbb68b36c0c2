// JWT verification cost: HS256 and RS256 (and ES256, EdDSA) with the cache off, and a cached
// verification of a repeated token. The anchor is the API-key digest (one SHA-256), the
// cheapest credential check the gateway does; compare each case with it from the same run.
// Tokens and keys are the openssl-made fixtures (tests/fixtures/jwt/make_fixtures.sh).
#include <benchmark/benchmark.h>


#include "libgateway/auth/jwt_verifier.h"
#include "libgateway/config/config_loader.h"
#include "libgateway/pipeline/consumer_stage.h"
#include "tests/fixtures/jwt/jwt_fixtures.h"

namespace {

using namespace gateway;
using gateway::testing::jwtFixture;

constexpr std::int64_t kNow = 1'750'000'000LL * 1'000'000;


std::shared_ptr<const Config> config(std::size_t cacheEntries) {
  const nlohmann::json doc = {
      {"services", {{{"name", "s"}, {"instances", {"10.0.0.1:80"}}}}},
      {"routes", {{{"name", "r"}, {"match", {{"prefix", "/"}}}, {"service", "s"}}}},
      {"auth",
       {{"jwt",
         {{"issuer", "https://issuer.example"},
          {"audience", "gateway-tests"},
          {"cache_max_entries", cacheEntries},
          {"keys", {{{"kid", "hs"}, {"algorithms", {"HS256"}}, {"secret", jwtFixture("hs_secret.txt")}},
                    {{"kid", "rsa"}, {"algorithms", {"RS256"}}, {"public_key_file", "rsa_public.pem"}},
                    {{"kid", "ec256"}, {"algorithms", {"ES256"}}, {"public_key_file", "ec256_public.pem"}},
                    {{"kid", "ed25519"}, {"algorithms", {"EdDSA"}}, {"public_key_file", "ed25519_public.pem"}}}}}}}}};
  ConfigLoad load = loadConfigJson(doc, "", std::string(GATEWAY_SOURCE_DIR) + "/tests/fixtures/jwt");
  if (!load.ok()) std::abort();
  return load.config;
}

void BM_ApiKeyDigestAnchor(benchmark::State& state) {
  const std::string key = "partner-key-0123456789abcdef";
  for (auto _ : state) benchmark::DoNotOptimize(apiKeyDigest(key));
}
BENCHMARK(BM_ApiKeyDigestAnchor);

void verifyUncached(benchmark::State& state, const char* tokenName) {
  const auto c = config(0);
  const JwtVerifier verifier(*c->auth.jwt);
  const std::string token = jwtFixture(std::string("tokens/") + tokenName + ".jwt");
  if (!verifier.verify(token, kNow).ok()) state.SkipWithError("fixture token does not verify");
  for (auto _ : state) benchmark::DoNotOptimize(verifier.verify(token, kNow));
}

void BM_JwtVerifyHS256(benchmark::State& state) { verifyUncached(state, "hs256"); }
void BM_JwtVerifyRS256(benchmark::State& state) { verifyUncached(state, "rs256"); }
void BM_JwtVerifyES256(benchmark::State& state) { verifyUncached(state, "es256"); }
void BM_JwtVerifyEdDSA(benchmark::State& state) { verifyUncached(state, "eddsa"); }
BENCHMARK(BM_JwtVerifyHS256);
BENCHMARK(BM_JwtVerifyRS256);
BENCHMARK(BM_JwtVerifyES256);
BENCHMARK(BM_JwtVerifyEdDSA);

// A repeated RS256 token: one signature check, then cache hits (several threads share it).
void BM_JwtVerifyCached(benchmark::State& state) {
  static const auto c = config(10000);
  static const JwtVerifier verifier(*c->auth.jwt);
  const std::string token = jwtFixture("tokens/rs256.jwt");
  for (auto _ : state) benchmark::DoNotOptimize(verifier.verify(token, kNow));
}
BENCHMARK(BM_JwtVerifyCached)->Threads(1)->Threads(2);

}  // namespace
