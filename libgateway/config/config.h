// The gateway's declarative configuration (Kong's declarative config is the model):
// services, routes, consumers, rate_limits, auth, observability. A Config is an immutable
// value once loaded; share it as std::shared_ptr<const Config>. loadConfig() validates
// everything and reports every error with its JSON path (config_loader.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "libgateway/core/time.h"
#include "libgateway/ratelimit/limiter_spec.h"

namespace gateway {

struct InstanceConfig {
  std::string id;       // unique within the service; defaults to the address
  std::string address;  // "host:port"
  std::uint32_t weight = 1;
};

enum class LbAlgorithm { kRoundRobin, kWeightedRoundRobin, kLeastRequest, kRandom, kRingHash, kMaglev };
std::string_view toString(LbAlgorithm algorithm);

// What consistent hashing hashes.
struct HashKeyConfig {
  enum class Source { kClientAddress, kHeader, kPath } source = Source::kClientAddress;
  std::string header;  // for kHeader
};

struct LoadBalancerConfig {
  LbAlgorithm algorithm = LbAlgorithm::kRoundRobin;
  HashKeyConfig hashOn;           // ring_hash, maglev
  std::uint32_t choices = 2;      // least_request: power of N choices
  std::uint32_t ringSize = 1024;  // ring_hash: virtual nodes per unit of weight
};

struct ServiceConfig {
  std::string name;
  std::vector<InstanceConfig> instances;
  LoadBalancerConfig loadBalancer;
  Duration timeout = seconds(30);        // per try, upstream response deadline
  Duration connectTimeout = seconds(5);  // used by the real transport
};

enum class PathMatchType { kExact, kPrefix, kTemplate };
std::string_view toString(PathMatchType type);

struct HeaderMatch {
  std::string name;
  std::optional<std::string> value;  // nullopt: the header must be present, any value
};

struct RouteBackend {
  std::string service;
  std::uint32_t weight = 1;
};

struct RouteRateLimit {
  bool perConsumer = false;          // apply the consumer's tier limit
  std::vector<std::string> policies; // named policies from rate_limits.policies, stacked
};

struct RouteConfig {
  std::string name;
  PathMatchType pathType = PathMatchType::kExact;
  std::string path;                   // "/users", "/api" (prefix), "/users/{id}" (template)
  std::vector<std::string> methods;   // upper case; empty = any
  std::vector<std::string> hosts;     // lower case; "*.example.com" allowed; empty = any
  std::vector<HeaderMatch> headers;   // all must match
  std::vector<RouteBackend> backends; // one service, or a weighted split (canary)
  bool stripPrefix = false;           // prefix routes: remove the matched prefix upstream
  std::optional<std::string> rewrite; // upstream path template: "/v2/users/{id}", "{*}" = rest
  std::optional<Duration> timeout;    // overall deadline; default: the service timeout
  RouteRateLimit rateLimit;
};

struct ConsumerConfig {
  std::string id;
  std::string tier;                   // names a rate_limits tier; may be empty
  std::vector<std::string> apiKeys;   // plain in the file; the runtime keeps only hashes
  std::string jwtSubject;             // `sub` claim that identifies this consumer
};

enum class LimitKey { kConsumer, kApiKey, kClientAddress, kHeader, kRoute };
std::string_view toString(LimitKey key);

struct RateLimitPolicy {
  std::string name;
  LimiterSpec spec;
  LimitKey key = LimitKey::kConsumer;
  std::string header;  // for LimitKey::kHeader
};

enum class RateLimitHeaders { kDraft, kLegacy, kBoth, kNone };

struct RateLimitsConfig {
  std::string scope = "instance";           // per gateway instance; "cluster" comes with Redis
  std::int64_t maxKeys = 1'000'000;         // per policy store; idle keys evicted first
  Duration idleTimeout = seconds(600);      // a key unused this long may be evicted
  RateLimitHeaders headers = RateLimitHeaders::kDraft;
  std::string anonymousTier;                // tier for requests without a consumer ("" = none)
  std::map<std::string, RateLimitPolicy> tiers;     // by tier name, key defaults to consumer
  std::map<std::string, RateLimitPolicy> policies;  // by policy name
};

struct AuthConfig {
  std::string apiKeyHeader = "X-API-Key";
};

struct ObservabilityConfig {
  bool accessLog = true;
  bool metrics = true;
  std::string correlationHeader = "X-Correlation-ID";
};

struct Config {
  std::vector<ServiceConfig> services;
  std::vector<RouteConfig> routes;
  std::vector<ConsumerConfig> consumers;
  RateLimitsConfig rateLimits;
  AuthConfig auth;
  ObservabilityConfig observability;

  const ServiceConfig* findService(std::string_view name) const;
  const ConsumerConfig* findConsumer(std::string_view id) const;
};

}  // namespace gateway
