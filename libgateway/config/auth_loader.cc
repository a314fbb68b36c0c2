#include "libgateway/config/auth_loader.h"

#include <set>

#include <fmt/format.h>

#include "libgateway/auth/base64url.h"
#include "libgateway/config/config_loader.h"
#include "libgateway/http/headers.h"

namespace gateway {

namespace {

// One string or a list of strings, as "issuer" / "issuers" may be written.
void stringOrList(JsonReader& r, std::string_view key, std::vector<std::string>& out, FieldErrors& errors) {
  const auto* v = r.any(key);
  if (!v) return;
  if (v->is_string()) {
    out.push_back(v->get<std::string>());
    return;
  }
  if (!v->is_array()) {
    errors.add(r.pathOf(key), "expected a string or an array of strings");
    return;
  }
  for (std::size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_string() || (*v)[i].get<std::string>().empty()) {
      errors.add(childPath(r.pathOf(key), i), "expected a non-empty string");
      continue;
    }
    out.push_back((*v)[i].get<std::string>());
  }
}

std::vector<JwtAlgorithm> loadAlgorithms(JsonReader& r, FieldErrors& errors) {
  std::vector<JwtAlgorithm> out;
  const auto* list = r.array("algorithms", true);
  if (!list) return out;
  if (list->empty()) errors.add(r.pathOf("algorithms"), "needs at least one algorithm");
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string p = childPath(r.pathOf("algorithms"), i);
    const auto& v = (*list)[i];
    const auto a = v.is_string() ? parseJwtAlgorithm(v.get<std::string>()) : std::nullopt;
    if (!a) {
      const bool none = v.is_string() && iequals(v.get<std::string>(), "none");
      errors.add(p, none ? std::string("\"none\" is never accepted: unsigned tokens would pass")
                         : std::string("expected one of: HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, "
                                       "PS512, ES256, ES384, EdDSA"));
      continue;
    }
    out.push_back(*a);
  }
  return out;
}

}  // namespace

std::vector<JwtKey> loadJwks(const nlohmann::json& document, const std::string& path, FieldErrors& errors) {
  std::vector<JwtKey> out;
  if (!document.is_object() || !document.contains("keys") || !document["keys"].is_array()) {
    errors.add(path, "a JWKS is an object with a \"keys\" array");
    return out;
  }
  const auto& keys = document["keys"];
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (auto k = JwtKey::fromJwk(keys[i], childPath(childPath(path, "keys"), i), errors)) out.push_back(std::move(*k));
  }
  return out;
}

void loadJwt(const nlohmann::json& value, const std::string& path, const std::string& fileDir, JwtConfig& jwt,
             FieldErrors& errors) {
  JsonReader r(value, path, errors);
  if (!r.isObject()) return;
  stringOrList(r, "issuer", jwt.issuers, errors);
  stringOrList(r, "issuers", jwt.issuers, errors);
  stringOrList(r, "audience", jwt.audiences, errors);
  stringOrList(r, "audiences", jwt.audiences, errors);
  if (auto v = r.integer("leeway_s", 0, 3600)) jwt.leewaySeconds = *v;
  if (auto v = r.boolean("require_exp")) jwt.requireExp = *v;
  if (auto v = r.integer("cache_max_entries", 0, 100'000'000)) jwt.cacheEntries = static_cast<std::size_t>(*v);
  if (const auto* keys = r.array("keys")) {
    for (std::size_t i = 0; i < keys->size(); ++i) {
      JsonReader k((*keys)[i], childPath(r.pathOf("keys"), i), errors);
      if (!k.isObject()) continue;
      const std::string kid = k.string("kid").value_or("");
      auto algorithms = loadAlgorithms(k, errors);
      const auto secret = k.string("secret");
      const auto secret64 = k.string("secret_base64url");
      const auto pem = k.string("public_key_pem");
      const auto pemFile = k.string("public_key_file");
      const int given = (secret ? 1 : 0) + (secret64 ? 1 : 0) + (pem ? 1 : 0) + (pemFile ? 1 : 0);
      if (given != 1) {
        errors.add(k.path(), "give exactly one of: secret, secret_base64url, public_key_pem, public_key_file");
        k.finish();
        continue;
      }
      std::string material;
      std::string field;
      if (secret) {
        material = *secret;
        field = "secret";
      } else if (secret64) {
        field = "secret_base64url";
        auto bytes = decodeBase64Url(*secret64);
        if (!bytes) {
          errors.add(k.pathOf(field), "not valid base64url (no padding)");
          k.finish();
          continue;
        }
        material = std::move(*bytes);
      } else if (pem) {
        material = *pem;
        field = "public_key_pem";
      } else {
        field = "public_key_file";
        std::string why;
        if (!readTextFile(configFilePath(fileDir, *pemFile), material, why)) {
          errors.add(k.pathOf(field), why);
          k.finish();
          continue;
        }
      }
      k.finish();
      if (algorithms.empty()) continue;
      std::string why;
      auto key = (secret || secret64) ? JwtKey::fromSecret(kid, material, std::move(algorithms), why)
                                      : JwtKey::fromPem(kid, material, std::move(algorithms), why);
      if (!key) {
        errors.add(k.pathOf(field), why);
        continue;
      }
      jwt.keys.push_back(std::move(*key));
    }
  }
  if (auto file = r.string("jwks_file")) {
    jwt.jwksFile = *file;
    std::string text, why;
    if (!readTextFile(configFilePath(fileDir, *file), text, why)) {
      errors.add(r.pathOf("jwks_file"), why);
    } else {
      FieldErrors jwksErrors;
      auto doc = parseJsonText(text, jwksErrors);
      std::vector<JwtKey> keys;
      if (doc) keys = loadJwks(*doc, "", jwksErrors);
      // Errors inside the file are reported at the config field, with the path inside the file.
      for (const auto& e : jwksErrors.list()) errors.add(r.pathOf("jwks_file"), fmt::format("{}: {}", *file, e.str()));
      for (auto& k : keys) jwt.keys.push_back(std::move(k));
      if (doc && jwksErrors.empty() && keys.empty()) errors.add(r.pathOf("jwks_file"), fmt::format("{}: no keys", *file));
    }
  }
  if (!r.has("keys") && !r.has("jwks_file")) errors.add(path, "needs \"keys\" or a \"jwks_file\"");
  // Two keys with one kid would make the choice depend on order.
  std::set<std::string> kids;
  for (const auto& k : jwt.keys) {
    if (!k.kid().empty() && !kids.insert(k.kid()).second) errors.add(path, fmt::format("key id \"{}\" is used twice", k.kid()));
  }
  r.finish();
}

void loadRouteAuth(const nlohmann::json& value, const std::string& path, bool jwtConfigured, RouteAuthConfig& ra,
                   FieldErrors& errors) {
  JsonReader r(value, path, errors);
  if (!r.isObject()) return;
  if (const auto* m = r.array("methods", true)) {
    if (m->empty()) errors.add(r.pathOf("methods"), "needs at least one of: jwt, api_key");
    for (std::size_t i = 0; i < m->size(); ++i) {
      const auto& v = (*m)[i];
      const std::string p = childPath(r.pathOf("methods"), i);
      if (v == "jwt") {
        if (!jwtConfigured) errors.add(p, "auth.jwt is not configured");
        ra.jwt = true;
      } else if (v == "api_key") {
        ra.apiKey = true;
      } else {
        errors.add(p, "expected one of: jwt, api_key");
      }
    }
  }
  for (const char* key : {"scopes", "roles"}) {
    auto& out = std::string_view(key) == "scopes" ? ra.scopes : ra.roles;
    if (const auto* list = r.array(key)) {
      for (std::size_t i = 0; i < list->size(); ++i) {
        const auto& v = (*list)[i];
        // Scopes travel space-separated, so a scope cannot contain a space (RFC 6749 3.3).
        if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>().find_first_of(" \"\\") != std::string::npos) {
          errors.add(childPath(r.pathOf(key), i), "expected a name without spaces or quotes");
          continue;
        }
        out.push_back(v.get<std::string>());
      }
    }
  }
  if (auto h = r.boolean("hide_credentials")) ra.hideCredentials = *h;
  if (auto o = r.boolean("optional")) {
    ra.optional = *o;
    if (*o && (!ra.scopes.empty() || !ra.roles.empty())) {
      errors.add(r.pathOf("optional"), "a route with required scopes or roles cannot be optional");
    }
  }
  r.finish();
}

}  // namespace gateway
