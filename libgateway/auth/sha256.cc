#include "libgateway/auth/sha256.h"

#include <openssl/evp.h>

namespace gateway {

std::string sha256(std::string_view text) {
  // Fetched once: OpenSSL 3 looks the algorithm up on every implicit EVP_sha256() use.
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, kSha256, nullptr);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

}  // namespace gateway
