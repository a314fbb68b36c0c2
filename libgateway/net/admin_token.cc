#include "libgateway/net/admin_token.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <openssl/crypto.h>

#include <fmt/format.h>

#include "libgateway/auth/sha256.h"
#include "libgateway/http/bearer.h"

namespace gateway::net {

namespace {

constexpr std::size_t kMaxTokenFileBytes = 4096;

}  // namespace

std::optional<std::string> readAdminToken(const std::string& path, std::string& why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = fmt::format("cannot read admin token file \"{}\": {}", path, std::strerror(errno));
    return std::nullopt;
  }
  std::string text;
  text.resize(kMaxTokenFileBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    why = fmt::format("cannot read admin token file \"{}\": {}", path, std::strerror(errno));
    return std::nullopt;
  }
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxTokenFileBytes) {
    why = fmt::format("admin token file \"{}\" is larger than {} bytes (it should hold the token only)", path,
                      kMaxTokenFileBytes);
    return std::nullopt;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '\t')) {
    text.pop_back();
  }
  if (text.empty()) {
    why = fmt::format("admin token file \"{}\" is empty (it should hold the token on one line)", path);
    return std::nullopt;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c <= 0x20 || c >= 0x7f) {
      // The position, never the byte or the text around it.
      why = fmt::format("admin token file \"{}\": byte {} of the token is not a visible ASCII character "
                        "(one line, no spaces; a token an Authorization header can carry)",
                        path, i + 1);
      return std::nullopt;
    }
  }
  return text;
}

bool bearerTokenMatches(std::string_view authorization, std::string_view token) {
  const auto credentials = bearerToken(authorization);
  if (!credentials || credentials->empty()) return false;
  const std::string a = sha256(*credentials), b = sha256(token);
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace gateway::net
