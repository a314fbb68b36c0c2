#include "libgateway/auth/jwt_verifier.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>
#include <openssl/err.h>

#include "libgateway/auth/base64url.h"
#include "libgateway/http/headers.h"

namespace gateway {

namespace {

constexpr std::size_t kMaxTokenBytes = 16 * 1024;
constexpr std::int64_t kMicrosPerSecond = 1'000'000;

JwtVerdict fail(JwtFailure failure, std::string_view description) {
  JwtVerdict v;
  v.failure = failure;
  v.description = description;
  return v;
}

// A NumericDate (RFC 7519 2): seconds, possibly fractional; truncated to whole seconds.
bool numericDate(const nlohmann::json& payload, const char* name, std::optional<std::int64_t>& out) {
  auto it = payload.find(name);
  if (it == payload.end()) return true;
  if (!it->is_number()) return false;
  const double v = it->get<double>();
  if (!std::isfinite(v) || std::fabs(v) > 1e15) return false;
  out = static_cast<std::int64_t>(std::floor(v));
  return true;
}

// `seconds` (a NumericDate, up to 1e15) in microseconds plus `offset`, saturated: a date
// beyond what int64 microseconds hold (about 292,000 years) is the end or start of time.
std::int64_t microsSaturated(std::int64_t seconds, std::int64_t offset) {
  constexpr std::int64_t kLimit = INT64_MAX / kMicrosPerSecond / 2;  // leaves room for the offset
  if (seconds > kLimit) return INT64_MAX;
  if (seconds < -kLimit) return INT64_MIN;
  return seconds * kMicrosPerSecond + offset;
}

// A string, or an array of strings; a space-separated string is split when `split`.
bool stringList(const nlohmann::json& payload, const char* name, bool split, std::vector<std::string>& out) {
  auto it = payload.find(name);
  if (it == payload.end()) return true;
  auto addSplit = [&](const std::string& s) {
    if (!split) {
      out.push_back(s);
      return;
    }
    std::size_t start = 0;
    while (start < s.size()) {
      std::size_t end = s.find(' ', start);
      if (end == std::string::npos) end = s.size();
      if (end > start) out.push_back(s.substr(start, end - start));
      start = end + 1;
    }
  };
  if (it->is_string()) {
    addSplit(it->get<std::string>());
    return true;
  }
  if (!it->is_array()) return false;
  for (const auto& v : *it) {
    if (!v.is_string()) return false;
    out.push_back(v.get<std::string>());
  }
  return true;
}

}  // namespace

std::string_view toString(JwtFailure failure) {
  switch (failure) {
    case JwtFailure::kNone: return "none";
    case JwtFailure::kMalformed: return "malformed";
    case JwtFailure::kAlgorithm: return "algorithm";
    case JwtFailure::kUnknownKey: return "unknown_key";
    case JwtFailure::kSignature: return "signature";
    case JwtFailure::kMissingClaim: return "missing_claim";
    case JwtFailure::kExpired: return "expired";
    case JwtFailure::kNotYetValid: return "not_yet_valid";
    case JwtFailure::kIssuer: return "issuer";
    case JwtFailure::kAudience: return "audience";
  }
  return "unknown";
}

JwtVerifier::JwtVerifier(const JwtConfig& config) : config_(config), cache_(config.cacheEntries) {}

JwtVerdict JwtVerifier::verify(std::string_view token, std::int64_t unixNow) const {
  if (auto claims = cache_.find(token, unixNow)) {
    JwtVerdict v;
    v.claims = std::move(claims);
    v.cached = true;
    return v;
  }
  JwtVerdict v = verifyUncached(token, unixNow);
  // A failed OpenSSL call leaves entries in this thread's error queue; they mean nothing here.
  ERR_clear_error();
  return v;
}

JwtVerdict JwtVerifier::verifyUncached(std::string_view token, std::int64_t unixNow) const {
  if (token.size() > kMaxTokenBytes) return fail(JwtFailure::kMalformed, "the token is too long");
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return fail(JwtFailure::kMalformed, "the token is not three base64url segments");
  if (token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail(JwtFailure::kMalformed, "the token is not three base64url segments (encrypted tokens are not supported)");
  }
  const std::string_view headerText = token.substr(0, dot1);
  const std::string_view payloadText = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signatureText = token.substr(dot2 + 1);

  const auto headerBytes = decodeBase64Url(headerText);
  if (!headerBytes || headerText.empty()) return fail(JwtFailure::kMalformed, "the token header is not base64url");
  const nlohmann::json header = nlohmann::json::parse(*headerBytes, nullptr, false);
  if (!header.is_object()) return fail(JwtFailure::kMalformed, "the token header is not a JSON object");
  auto algIt = header.find("alg");
  if (algIt == header.end() || !algIt->is_string()) return fail(JwtFailure::kMalformed, "the token header has no alg");
  const std::string& algName = algIt->get_ref<const std::string&>();
  const auto alg = parseJwtAlgorithm(algName);
  if (!alg) {
    if (algName == "none" || iequals(algName, "none")) return fail(JwtFailure::kAlgorithm, "unsigned tokens (alg none) are not accepted");
    return fail(JwtFailure::kAlgorithm, "the token algorithm is not supported");
  }
  if (header.contains("crit")) return fail(JwtFailure::kMalformed, "critical header parameters are not supported");
  const std::string* kid = nullptr;
  if (auto it = header.find("kid"); it != header.end()) {
    if (!it->is_string()) return fail(JwtFailure::kMalformed, "the token kid is not a string");
    kid = &it->get_ref<const std::string&>();
  }

  // Candidates: the keys named by kid, or every key when the token names none.
  bool anyKid = false, anyAllowed = false;
  std::vector<const JwtKey*> candidates;
  for (const auto& key : config_.keys) {
    if (kid && key.kid() != *kid) continue;
    anyKid = true;
    if (!key.allows(*alg)) continue;
    anyAllowed = true;
    candidates.push_back(&key);
  }
  if (!anyKid) return fail(JwtFailure::kUnknownKey, "the token key id is unknown");
  if (!anyAllowed) return fail(JwtFailure::kAlgorithm, "the token algorithm is not allowed for its key");

  const auto signature = decodeBase64Url(signatureText);
  if (!signature || signatureText.empty()) return fail(JwtFailure::kMalformed, "the token signature is not base64url");
  const std::string_view signingInput = token.substr(0, dot2);
  const bool verified = std::any_of(candidates.begin(), candidates.end(),
                                    [&](const JwtKey* k) { return k->verify(*alg, signingInput, *signature); });
  if (!verified) return fail(JwtFailure::kSignature, "the token signature is invalid");

  // Only now is the payload trusted enough to read.
  const auto payloadBytes = decodeBase64Url(payloadText);
  if (!payloadBytes) return fail(JwtFailure::kMalformed, "the token payload is not base64url");
  const nlohmann::json payload = nlohmann::json::parse(*payloadBytes, nullptr, false);
  if (!payload.is_object()) return fail(JwtFailure::kMalformed, "the token payload is not a JSON object");
  auto claims = std::make_shared<JwtClaims>();
  if (!numericDate(payload, "exp", claims->expires) || !numericDate(payload, "nbf", claims->notBefore) ||
      !numericDate(payload, "iat", claims->issuedAt)) {
    return fail(JwtFailure::kMalformed, "a time claim (exp, nbf, iat) is not a number");
  }
  if (auto it = payload.find("sub"); it != payload.end()) {
    if (!it->is_string()) return fail(JwtFailure::kMalformed, "the sub claim is not a string");
    claims->subject = it->get<std::string>();
  }
  if (auto it = payload.find("iss"); it != payload.end()) {
    if (!it->is_string()) return fail(JwtFailure::kMalformed, "the iss claim is not a string");
    claims->issuer = it->get<std::string>();
  }
  if (!stringList(payload, "aud", false, claims->audiences)) return fail(JwtFailure::kMalformed, "the aud claim is not a string or a list of strings");
  if (!stringList(payload, "scope", true, claims->scopes) || !stringList(payload, "scp", true, claims->scopes)) {
    return fail(JwtFailure::kMalformed, "the scope claim is not a string or a list of strings");
  }
  if (!stringList(payload, "roles", true, claims->roles)) return fail(JwtFailure::kMalformed, "the roles claim is not a string or a list of strings");

  const std::int64_t leeway = config_.leewaySeconds * kMicrosPerSecond;
  if (!claims->expires && config_.requireExp) return fail(JwtFailure::kMissingClaim, "the token has no exp claim");
  // RFC 7519 4.1.4: the current time must be before exp; 4.1.5: not before nbf.
  std::int64_t validUntil = INT64_MAX;
  if (claims->expires) {
    validUntil = microsSaturated(*claims->expires, leeway);
    if (unixNow >= validUntil) return fail(JwtFailure::kExpired, "the token has expired");
  }
  if (claims->notBefore && unixNow < microsSaturated(*claims->notBefore, -leeway)) {
    return fail(JwtFailure::kNotYetValid, "the token is not valid yet");
  }
  if (!config_.issuers.empty() &&
      std::find(config_.issuers.begin(), config_.issuers.end(), claims->issuer) == config_.issuers.end()) {
    return fail(JwtFailure::kIssuer, "the token issuer is not accepted");
  }
  if (!config_.audiences.empty() &&
      std::none_of(claims->audiences.begin(), claims->audiences.end(), [&](const std::string& a) {
        return std::find(config_.audiences.begin(), config_.audiences.end(), a) != config_.audiences.end();
      })) {
    return fail(JwtFailure::kAudience, "the token audience is not accepted");
  }
  JwtVerdict v;
  v.claims = claims;
  cache_.insert(token, std::move(claims), validUntil);
  return v;
}

}  // namespace gateway
