#include "libgateway/auth/jwt_key.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "libgateway/auth/base64url.h"

namespace gateway {

namespace {

constexpr int kMinRsaBits = 2048;  // RFC 7518 3.3

// Digests fetched once: OpenSSL 3 would otherwise look them up on every verification.
const EVP_MD* fetchedDigest(std::string_view name) {
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static EVP_MD* const sha384 = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  static EVP_MD* const sha512 = EVP_MD_fetch(nullptr, "SHA512", nullptr);
  if (name == "SHA256") return sha256;
  if (name == "SHA384") return sha384;
  if (name == "SHA512") return sha512;
  return nullptr;
}

EVP_MAC* hmacAlgorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string_view curveOf(JwtKeyType t) { return t == JwtKeyType::kEcP256 ? "prime256v1" : "secp384r1"; }
std::size_t coordinateBytes(JwtKeyType t) { return t == JwtKeyType::kEcP256 ? 32 : 48; }

// The type of an asymmetric key, or an error for what we do not verify with.
std::optional<JwtKeyType> classify(EVP_PKEY* pkey, std::string& error) {
  if (EVP_PKEY_is_a(pkey, "RSA")) {
    if (EVP_PKEY_get_bits(pkey) < kMinRsaBits) {
      error = fmt::format("RSA key of {} bits is too small (at least {})", EVP_PKEY_get_bits(pkey), kMinRsaBits);
      return std::nullopt;
    }
    return JwtKeyType::kRsa;
  }
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) {
      error = "EC key without a named curve";
      return std::nullopt;
    }
    const std::string_view g(group, len);
    if (g == "prime256v1" || g == "P-256") return JwtKeyType::kEcP256;
    if (g == "secp384r1" || g == "P-384") return JwtKeyType::kEcP384;
    error = fmt::format("EC curve {} is not supported (P-256 or P-384)", g);
    return std::nullopt;
  }
  if (EVP_PKEY_is_a(pkey, "ED25519")) return JwtKeyType::kEd25519;
  error = "unsupported key type (RSA, EC P-256/P-384 or Ed25519)";
  return std::nullopt;
}

// JWS ECDSA signatures are R || S, fixed width; OpenSSL verifies DER.
std::optional<std::string> ecdsaRawToDer(std::string_view raw, std::size_t half) {
  if (raw.size() != 2 * half) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (!sig) return std::nullopt;
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + half), static_cast<int>(half), nullptr);
  if (!r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace

struct JwtKey::Material {
  EVP_PKEY* pkey = nullptr;
  // HMAC: one keyed context per digest, duplicated per verification (the key schedule is done once).
  EVP_MAC_CTX* hmac256 = nullptr;
  EVP_MAC_CTX* hmac384 = nullptr;
  EVP_MAC_CTX* hmac512 = nullptr;

  ~Material() {
    EVP_PKEY_free(pkey);
    EVP_MAC_CTX_free(hmac256);
    EVP_MAC_CTX_free(hmac384);
    EVP_MAC_CTX_free(hmac512);
  }
  EVP_MAC_CTX* hmacFor(JwtAlgorithm a) const {
    return a == JwtAlgorithm::kHS256 ? hmac256 : a == JwtAlgorithm::kHS384 ? hmac384 : hmac512;
  }
};

std::vector<JwtAlgorithm> algorithmsFor(JwtKeyType type) {
  std::vector<JwtAlgorithm> out;
  for (int i = 0; i <= static_cast<int>(JwtAlgorithm::kEdDSA); ++i) {
    const auto a = static_cast<JwtAlgorithm>(i);
    if (keyTypeOf(a) == type) out.push_back(a);
  }
  return out;
}

bool JwtKey::allows(JwtAlgorithm algorithm) const {
  return std::find(algorithms_.begin(), algorithms_.end(), algorithm) != algorithms_.end();
}

std::optional<JwtKey> JwtKey::make(std::string kid, JwtKeyType type, std::vector<JwtAlgorithm> algorithms,
                                   std::shared_ptr<Material> material, std::string& error) {
  if (algorithms.empty()) {
    error = "needs at least one algorithm";
    return std::nullopt;
  }
  for (JwtAlgorithm a : algorithms) {
    if (keyTypeOf(a) != type) {
      error = fmt::format("{} needs an {}, but this key is an {}", toString(a), toString(keyTypeOf(a)), toString(type));
      return std::nullopt;
    }
  }
  JwtKey key;
  key.kid_ = std::move(kid);
  key.type_ = type;
  key.algorithms_ = std::move(algorithms);
  key.material_ = std::move(material);
  return key;
}

std::optional<JwtKey> JwtKey::fromSecret(std::string kid, std::string_view secret, std::vector<JwtAlgorithm> algorithms,
                                         std::string& error) {
  auto material = std::make_shared<Material>();
  for (JwtAlgorithm a : algorithms) {
    if (keyTypeOf(a) != JwtKeyType::kHmac) continue;  // reported by make()
    if (secret.size() < minimumSecretBytes(a)) {
      error = fmt::format("{} needs a secret of at least {} bytes, got {}", toString(a), minimumSecretBytes(a), secret.size());
      return std::nullopt;
    }
    EVP_MAC_CTX*& slot = a == JwtAlgorithm::kHS256 ? material->hmac256 : a == JwtAlgorithm::kHS384 ? material->hmac384 : material->hmac512;
    if (slot) continue;
    slot = EVP_MAC_CTX_new(hmacAlgorithm());
    char digest[16];
    const std::string_view d = digestOf(a);
    std::memcpy(digest, d.data(), d.size());
    digest[d.size()] = '\0';
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
    if (!slot || EVP_MAC_init(slot, reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), params) != 1) {
      error = "OpenSSL could not set up HMAC";
      return std::nullopt;
    }
  }
  return make(std::move(kid), JwtKeyType::kHmac, std::move(algorithms), std::move(material), error);
}

std::optional<JwtKey> JwtKey::fromPem(std::string kid, std::string_view pem, std::vector<JwtAlgorithm> algorithms,
                                      std::string& error) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  PkeyPtr pkey(bio ? PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr) : nullptr);
  BIO_free(bio);
  if (!pkey) {
    error = "not a PEM public key (expected -----BEGIN PUBLIC KEY-----)";
    return std::nullopt;
  }
  const auto type = classify(pkey.get(), error);
  if (!type) return std::nullopt;
  auto material = std::make_shared<Material>();
  material->pkey = pkey.release();
  return make(std::move(kid), *type, std::move(algorithms), std::move(material), error);
}

namespace {

std::optional<std::string> jwkBytes(const nlohmann::json& jwk, const char* member, const std::string& path,
                                    FieldErrors& errors) {
  auto it = jwk.find(member);
  if (it == jwk.end()) {
    errors.add(childPath(path, member), "required field is missing");
    return std::nullopt;
  }
  if (!it->is_string()) {
    errors.add(childPath(path, member), "expected a base64url string");
    return std::nullopt;
  }
  auto bytes = decodeBase64Url(it->get<std::string>());
  if (!bytes || bytes->empty()) {
    errors.add(childPath(path, member), "not valid base64url");
    return std::nullopt;
  }
  return bytes;
}

PkeyPtr pkeyFromParams(const char* type, OSSL_PARAM_BLD* bld, int selection) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* pkey = nullptr;
  if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1) EVP_PKEY_fromdata(ctx, &pkey, selection, params);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return PkeyPtr(pkey);
}

PkeyPtr rsaFromJwk(const std::string& n, const std::string& e) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr);
  BIGNUM* be = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr);
  PkeyPtr out;
  if (bld && bn && be && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) == 1 &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) == 1) {
    out = pkeyFromParams("RSA", bld, EVP_PKEY_PUBLIC_KEY);
  }
  BN_free(bn);
  BN_free(be);
  OSSL_PARAM_BLD_free(bld);
  return out;
}

PkeyPtr ecFromJwk(JwtKeyType type, const std::string& x, const std::string& y) {
  std::string point;
  point += '\x04';
  point += x;
  point += y;
  const std::string group(curveOf(type));
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  PkeyPtr out;
  if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group.c_str(), 0) == 1 &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1) {
    out = pkeyFromParams("EC", bld, EVP_PKEY_PUBLIC_KEY);
  }
  OSSL_PARAM_BLD_free(bld);
  if (out) {
    // fromdata does not check that the point is on the curve.
    EVP_PKEY_CTX* check = EVP_PKEY_CTX_new_from_pkey(nullptr, out.get(), nullptr);
    const bool ok = check && EVP_PKEY_public_check(check) == 1;
    EVP_PKEY_CTX_free(check);
    if (!ok) out.reset();
  }
  return out;
}

}  // namespace

std::optional<JwtKey> JwtKey::fromJwk(const nlohmann::json& jwk, const std::string& path, FieldErrors& errors) {
  if (!jwk.is_object()) {
    errors.add(path, "expected a JWK object");
    return std::nullopt;
  }
  const std::size_t before = errors.size();
  auto str = [&](const char* member) -> std::optional<std::string> {
    auto it = jwk.find(member);
    if (it == jwk.end()) return std::nullopt;
    if (!it->is_string()) {
      errors.add(childPath(path, member), "expected a string");
      return std::nullopt;
    }
    return it->get<std::string>();
  };
  const std::string kid = str("kid").value_or("");
  if (auto use = str("use"); use && *use != "sig") {
    errors.add(childPath(path, "use"), fmt::format("\"{}\" keys do not verify signatures (expected \"sig\")", *use));
    return std::nullopt;
  }
  const auto kty = str("kty");
  if (!kty) {
    if (!jwk.contains("kty")) errors.add(childPath(path, "kty"), "required field is missing");
    return std::nullopt;
  }
  std::optional<JwtKeyType> type;
  PkeyPtr pkey;
  std::string secret;
  if (*kty == "oct") {
    if (auto k = jwkBytes(jwk, "k", path, errors)) secret = std::move(*k);
    type = JwtKeyType::kHmac;
  } else if (*kty == "RSA") {
    auto n = jwkBytes(jwk, "n", path, errors);
    auto e = jwkBytes(jwk, "e", path, errors);
    if (n && e) {
      pkey = rsaFromJwk(*n, *e);
      if (!pkey) errors.add(path, "n and e do not form an RSA public key");
    }
    type = JwtKeyType::kRsa;
  } else if (*kty == "EC") {
    const auto crv = str("crv");
    if (crv == "P-256") type = JwtKeyType::kEcP256;
    else if (crv == "P-384") type = JwtKeyType::kEcP384;
    else errors.add(childPath(path, "crv"), crv ? fmt::format("curve \"{}\" is not supported (P-256 or P-384)", *crv)
                                                 : std::string("required for EC keys"));
    auto x = jwkBytes(jwk, "x", path, errors);
    auto y = jwkBytes(jwk, "y", path, errors);
    if (type && x && y) {
      if (x->size() != coordinateBytes(*type) || y->size() != coordinateBytes(*type)) {
        errors.add(path, fmt::format("x and y must be {} bytes each for {}", coordinateBytes(*type), *crv));
      } else {
        pkey = ecFromJwk(*type, *x, *y);
        if (!pkey) errors.add(path, "x and y are not a point on the curve");
      }
    }
  } else if (*kty == "OKP") {
    const auto crv = str("crv");
    if (crv != "Ed25519") {
      errors.add(childPath(path, "crv"), fmt::format("only Ed25519 is supported, got \"{}\"", crv.value_or("")));
    } else if (auto x = jwkBytes(jwk, "x", path, errors)) {
      pkey.reset(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(x->data()),
                                             x->size()));
      if (!pkey) errors.add(childPath(path, "x"), "not an Ed25519 public key");
    }
    type = JwtKeyType::kEd25519;
  } else {
    errors.add(childPath(path, "kty"), fmt::format("\"{}\" is not one of: RSA, EC, oct, OKP", *kty));
    return std::nullopt;
  }
  if (errors.size() != before || !type) return std::nullopt;
  if (pkey) {
    std::string why;
    const auto actual = classify(pkey.get(), why);
    if (!actual) {
      errors.add(path, why);
      return std::nullopt;
    }
  }
  std::vector<JwtAlgorithm> algorithms;
  if (auto alg = str("alg")) {
    const auto a = parseJwtAlgorithm(*alg);
    if (!a) {
      errors.add(childPath(path, "alg"), fmt::format("\"{}\" is not a supported signature algorithm", *alg));
      return std::nullopt;
    }
    algorithms.push_back(*a);
  } else if (errors.size() == before) {
    algorithms = algorithmsFor(*type);
  }
  if (errors.size() != before) return std::nullopt;
  std::string error;
  std::optional<JwtKey> key;
  if (*type == JwtKeyType::kHmac) {
    if (algorithms.size() > 1) {
      // A secret without "alg" may be used with each HS algorithm it is long enough for.
      std::erase_if(algorithms, [&](JwtAlgorithm a) { return secret.size() < minimumSecretBytes(a); });
      if (algorithms.empty()) algorithms.push_back(JwtAlgorithm::kHS256);  // reported as too short below
    }
    key = fromSecret(kid, secret, std::move(algorithms), error);
  } else {
    auto material = std::make_shared<Material>();
    material->pkey = pkey.release();
    key = make(kid, *type, std::move(algorithms), std::move(material), error);
  }
  if (!key) errors.add(path, error);
  return key;
}

bool JwtKey::verify(JwtAlgorithm algorithm, std::string_view signingInput, std::string_view signature) const {
  if (!allows(algorithm) || !material_) return false;
  const auto* input = reinterpret_cast<const unsigned char*>(signingInput.data());
  const auto* sig = reinterpret_cast<const unsigned char*>(signature.data());
  if (type_ == JwtKeyType::kHmac) {
    EVP_MAC_CTX* base = material_->hmacFor(algorithm);
    if (!base) return false;
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(base);
    unsigned char mac[EVP_MAX_MD_SIZE];
    std::size_t len = 0;
    const bool computed = ctx && EVP_MAC_update(ctx, input, signingInput.size()) == 1 &&
                          EVP_MAC_final(ctx, mac, &len, sizeof mac) == 1;
    EVP_MAC_CTX_free(ctx);
    // Constant time: the comparison must not tell an attacker how many bytes matched.
    return computed && len == signature.size() && CRYPTO_memcmp(mac, sig, len) == 0;
  }

  std::string der;
  if (type_ == JwtKeyType::kEcP256 || type_ == JwtKeyType::kEcP384) {
    auto converted = ecdsaRawToDer(signature, coordinateBytes(type_));
    if (!converted) return false;
    der = std::move(*converted);
    sig = reinterpret_cast<const unsigned char*>(der.data());
    signature = der;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) return false;
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = algorithm == JwtAlgorithm::kEdDSA ? nullptr : fetchedDigest(digestOf(algorithm));
  bool ok = EVP_DigestVerifyInit(ctx, &pctx, md, nullptr, material_->pkey) == 1;
  if (ok && (algorithm == JwtAlgorithm::kPS256 || algorithm == JwtAlgorithm::kPS384 || algorithm == JwtAlgorithm::kPS512)) {
    // RFC 7518 3.5: MGF1 with the same hash, salt as long as the hash.
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
  }
  ok = ok && EVP_DigestVerify(ctx, sig, signature.size(), input, signingInput.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace gateway
