#include "libgateway/pipeline/consumer_filter.h"

#include <openssl/evp.h>

namespace gateway {

std::string apiKeyDigest(std::string_view key) {
  // Fetched once: OpenSSL 3 looks the algorithm up on every implicit EVP_sha256() use.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(key.data(), key.size(), digest, &length, sha256, nullptr);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::optional<Response> ConsumerFilter::onRequest(Exchange& ex) {
  const GatewayRuntime& rt = *ex.runtime;
  const std::string* key = ex.request.headers.find(rt.config().auth.apiKeyHeader);
  if (!key) return std::nullopt;
  const ConsumerConfig* consumer = rt.consumerByKeyDigest(apiKeyDigest(*key));
  if (!consumer) {
    ex.outcome = "invalid_api_key";
    Response r = errorResponse(401, "invalid_api_key", "the API key is not valid");
    r.headers.set("WWW-Authenticate", "ApiKey realm=\"gateway\", error=\"invalid_key\"");
    return r;
  }
  ex.consumer = consumer->id;
  ex.tier = consumer->tier;
  return std::nullopt;
}

}  // namespace gateway
