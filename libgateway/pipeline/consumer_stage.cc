#include "libgateway/pipeline/consumer_stage.h"

#include "libgateway/auth/jwt_verifier.h"
#include "libgateway/auth/route_authorizer.h"
#include "libgateway/auth/sha256.h"
#include "libgateway/http/bearer.h"

namespace gateway {

namespace {

const std::vector<std::string> kNoNames;
constexpr std::string_view kApiKeyChallenge = "ApiKey realm=\"gateway\"";

Response unauthorized(std::string_view code, std::string_view message) { return errorResponse(401, code, message); }

// A claim the gateway forwards in a header must not be able to break the header.
bool headerSafe(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

bool claimsForwardable(const JwtClaims& claims) {
  if (!headerSafe(claims.subject)) return false;
  for (const auto& r : claims.roles) {
    if (r.find(',') != std::string::npos || !headerSafe(r)) return false;
  }
  return true;
}

}  // namespace

std::string apiKeyDigest(std::string_view key) { return sha256(key); }

StageSpec ConsumerStage::spec() {
  return {"identity", {}, [](const StageSetup&) -> std::unique_ptr<Stage> { return std::make_unique<ConsumerStage>(); }};
}

const ConsumerConfig* ConsumerStage::consumerByKey(const std::shared_ptr<const GatewayRuntime>& rt,
                                                    std::string_view key) {
  if (knownFor_ != rt) {
    // A new config (or the first request): what was known may no longer hold.
    knownKeys_.clear();
    knownFor_ = rt;
  }
  if (auto it = knownKeys_.find(key); it != knownKeys_.end()) return it->second;
  const ConsumerConfig* consumer = rt->consumerByKeyDigest(apiKeyDigest(key));
  if (consumer) {
    if (knownKeys_.size() >= kKnownKeys) knownKeys_.clear();
    knownKeys_.emplace(std::string(key), consumer);
  }
  return consumer;
}

std::optional<Response> ConsumerStage::onRequest(Exchange& ex) {
  const GatewayRuntime& rt = *ex.runtime;
  Headers& headers = ex.request.headers;
  // Identity headers are the gateway's to set: a client's own are never forwarded.
  headers.removeIf([](const Headers::Field& f) {
    return (f.name.size() == kUserIdHeader.size() && iequals(f.name, kUserIdHeader)) ||
           (f.name.size() == kConsumerHeader.size() && iequals(f.name, kConsumerHeader)) ||
           (f.name.size() == kRoleHeader.size() && iequals(f.name, kRoleHeader));
  });

  const RouteConfig* route = ex.route();
  const RouteAuthConfig* ra = route && route->auth ? &*route->auth : nullptr;
  const bool acceptKey = !ra || ra->apiKey;
  const JwtVerifier* verifier = ra && ra->jwt ? rt.jwtVerifier() : nullptr;

  const ConsumerConfig* consumer = nullptr;
  const std::vector<std::string>* scopes = &kNoNames;
  const std::vector<std::string>* roles = &kNoNames;
  std::shared_ptr<const JwtClaims> claims;  // keeps scopes/roles alive below

  if (acceptKey) {
    if (const auto key = headers.find(rt.config().auth.apiKeyHeader)) {
      consumer = consumerByKey(ex.runtime, *key);
      if (!consumer) {
        ex.outcome = "invalid_api_key";
        Response r = unauthorized("invalid_api_key", "the API key is not valid");
        r.headers.set("WWW-Authenticate", "ApiKey realm=\"gateway\", error=\"invalid_key\"");
        return r;
      }
      ex.authMethod = "api_key";
      scopes = &consumer->scopes;
      roles = &consumer->roles;
    }
  }
  if (verifier) {
    const auto authorization = headers.find("authorization");
    const auto token = authorization ? bearerToken(*authorization) : std::nullopt;
    if (token) {
      const JwtVerdict verdict = verifier->verify(*token, ex.unixStart);
      if (!verdict.ok() || !claimsForwardable(*verdict.claims)) {
        const std::string_view why = verdict.ok() ? "the token sub or roles contain characters a header cannot carry"
                                                  : verdict.description;
        ex.outcome = "invalid_token";
        Response r = unauthorized("invalid_token", why);
        r.headers.set("WWW-Authenticate", bearerChallenge("invalid_token", why));
        return r;
      }
      claims = verdict.claims;
      ex.authMethod = "jwt";
      ex.userId = claims->subject;
      // The token names the user; its consumer (if any) wins over an API key's.
      if (const ConsumerConfig* bySubject = claims->subject.empty() ? nullptr : rt.consumerBySubject(claims->subject)) {
        consumer = bySubject;
      }
      scopes = &claims->scopes;
      roles = &claims->roles;
    }
  }

  if (ra && ex.authMethod.empty() && !ra->optional) {
    ex.outcome = "missing_credentials";
    Response r = unauthorized("missing_credentials", ra->jwt && ra->apiKey ? "this route needs a bearer token or an API key"
                                                     : ra->jwt             ? "this route needs a bearer token"
                                                                           : "this route needs an API key");
    // RFC 6750 3.1: no error code when the request carried no credentials at all.
    if (ra->jwt) r.headers.add("WWW-Authenticate", bearerChallenge());
    if (ra->apiKey) r.headers.add("WWW-Authenticate", kApiKeyChallenge);
    return r;
  }
  if (ra && !ex.authMethod.empty() && (!ra->scopes.empty() || !ra->roles.empty())) {
    const AuthorizationDecision d = authorize(*ra, *scopes, *roles);
    if (!d.allowed) {
      ex.outcome = "insufficient_scope";
      Response r = errorResponse(403, "insufficient_scope", d.description);
      r.headers.set("WWW-Authenticate", ex.authMethod == "jwt"
                                            ? bearerChallenge("insufficient_scope", d.description, d.missingScopes)
                                            : std::string(kApiKeyChallenge) + ", error=\"insufficient_scope\"");
      return r;
    }
  }

  if (consumer) {
    ex.consumer = consumer->id;
    ex.tier = consumer->tier;
  }
  if (ex.authMethod.empty()) return std::nullopt;
  // The client's own identity fields were removed above: these are added, not set.
  const std::string& user = ex.userId.empty() ? ex.consumer : ex.userId;
  if (!user.empty()) headers.add(kUserIdHeader, user);
  if (!ex.consumer.empty()) headers.add(kConsumerHeader, ex.consumer);
  if (!roles->empty()) {
    std::string joined;
    for (const auto& role : *roles) {
      if (!joined.empty()) joined += ", ";
      joined += role;
    }
    headers.add(kRoleHeader, joined);
  }
  return std::nullopt;
}

}  // namespace gateway
