// The gateway's declarative configuration (Kong's declarative config is the model):
// services, routes, consumers, rate_limits, auth, observability, server. A Config is an
// immutable value once loaded; share it as std::shared_ptr<const Config>. loadConfig()
// validates everything and reports every error with its JSON path (config_loader.h).
#pragma once

#include <bitset>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "libgateway/auth/jwt_key.h"
#include "libgateway/config/route_extension.h"
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

// A set of HTTP status codes (100-599), e.g. the statuses a breaker counts as failures.
struct StatusSet {
  std::bitset<600> codes;
  bool contains(int status) const { return status >= 0 && status < 600 && codes.test(static_cast<std::size_t>(status)); }
  void addClass(int hundreds);  // 5 -> 500..599
  static StatusSet serverErrors();
  bool operator==(const StatusSet&) const = default;
};

// Circuit breaker per service (libgateway/SEMANTICS.md, "Circuit breakers"). Defaults are
// set per mode by the loader:
//   consecutive (gobreaker / KrakenD): opens after more than max_errors consecutive failures;
//   failure_rate (Resilience4j): failure or slow-call rate over a count or time window;
//   hystrix: error percentage over rolling buckets, one trial call.
enum class BreakerMode { kConsecutive, kFailureRate, kHystrix };
std::string_view toString(BreakerMode mode);
enum class BreakerWindow { kCount, kTime };

struct CircuitBreakerConfig {
  BreakerMode mode = BreakerMode::kFailureRate;
  std::uint32_t maxErrors = 5;               // consecutive
  Duration interval = 0;                     // consecutive: closed-state counts reset this often (0: never)
  BreakerWindow window = BreakerWindow::kCount;
  std::uint32_t windowSize = 100;            // calls (count window) or buckets (time window)
  Duration bucketWidth = seconds(1);         // time window: the span of one bucket
  std::uint32_t minimumCalls = 100;          // nothing is evaluated with fewer calls in the window
  double failureRateThreshold = 50;          // percent; opens at or above
  double slowCallRateThreshold = 100;        // percent; failure_rate only
  Duration slowCallDuration = seconds(60);   // a call longer than this is slow
  Duration openDuration = seconds(60);       // OPEN lasts this long, then HALF_OPEN
  std::uint32_t halfOpenCalls = 10;          // trial calls admitted in HALF_OPEN
  StatusSet failureStatuses = StatusSet::serverErrors();
  bool operator==(const CircuitBreakerConfig&) const = default;
};

// Outlier detection per instance (Envoy): eject after consecutive 5xx (or gateway errors:
// 502/503/504, connect errors, resets, timeouts); ejection time = base x times ejected,
// capped at max; at most max_ejection_percent of the instances (but at least one) ejected.
struct OutlierDetectionConfig {
  std::uint32_t consecutive5xx = 5;             // 0 disables
  std::uint32_t consecutiveGatewayFailure = 0;  // 0 disables (Envoy's default enforcement is 0%)
  Duration interval = seconds(10);              // a healthy interval lowers the ejection multiplier
  Duration baseEjection = seconds(30);
  Duration maxEjection = seconds(300);
  std::uint32_t maxEjectionPercent = 10;
  bool operator==(const OutlierDetectionConfig&) const = default;
};

// Concurrency caps per service (Envoy max_requests / max_pending_requests), optionally
// adaptive (Netflix Gradient2). 0 = no cap; Envoy's default of 1024 is not applied.
struct ConcurrencyConfig {
  std::uint32_t maxRequests = 0;   // requests in flight upstream
  std::uint32_t maxPending = 0;    // requests waiting for a slot (until their deadline)
  bool adaptive = false;           // Gradient2 moves the limit between minLimit and maxRequests
  std::uint32_t minLimit = 4;
  std::uint32_t initialLimit = 20;
  double rttTolerance = 1.5;       // Gradient2: how much slower than the long-term RTT is tolerated
  bool operator==(const ConcurrencyConfig&) const = default;
};

// Envoy retry budget: concurrent retries may be at most `percent` of the active requests to
// the service, but `minConcurrency` are always allowed.
struct RetryBudgetConfig {
  bool enabled = true;
  double percent = 20;
  std::uint32_t minConcurrency = 3;
  bool operator==(const RetryBudgetConfig&) const = default;
};

struct ServiceConfig {
  std::string name;
  std::vector<InstanceConfig> instances;
  LoadBalancerConfig loadBalancer;
  Duration timeout = seconds(30);        // per try, upstream response deadline
  Duration connectTimeout = seconds(5);  // used by the real transport
  std::optional<CircuitBreakerConfig> circuitBreaker;
  std::optional<OutlierDetectionConfig> outlierDetection;
  ConcurrencyConfig concurrency;
  RetryBudgetConfig retryBudget;
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

// What a route retries (Envoy's retry_on names), how often and how long each try may take.
enum RetryOn : std::uint32_t {
  kRetryOn5xx = 1,             // any 5xx response, connect error, reset or timeout
  kRetryOnGatewayError = 2,    // 502, 503, 504, connect error, reset or timeout
  kRetryOnConnectFailure = 4,  // connect error
  kRetryOnReset = 8,           // reset or protocol error after sending
  kRetryOnTimeout = 16,        // the per-try timeout passed
};

struct RetryConfig {
  std::uint32_t maxRetries = 0;
  std::uint32_t retryOn = kRetryOnGatewayError;
  StatusSet statuses;                   // retriable_statuses: also retried
  std::optional<Duration> perTryTimeout;
  Duration backoffBase = millis(25);    // full jitter: uniform in [0, min(max, base * 2^n)]
  Duration backoffMax = millis(250);
  bool nonIdempotent = false;           // retry POST/PATCH too
};

// Who may call a route: "methods" lists the accepted credentials; without "optional" a
// request must bring one. Every scope is required; any one of the roles is enough. With
// hide_credentials (Kong's option of that name), the credentials the route accepts (the API-key
// field, a bearer Authorization) are not sent upstream.
struct RouteAuthConfig {
  bool jwt = false;
  bool apiKey = false;
  std::vector<std::string> scopes;
  std::vector<std::string> roles;
  bool optional = false;
  bool hideCredentials = false;
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
  std::optional<RouteAuthConfig> auth; // none: credentials optional, API keys identify
  std::optional<RetryConfig> retry;
  // The Host header sent upstream (libgateway/README.md, "Upstream Host"): hostRewrite when
  // set; else the client's Host when preserveHost; else the chosen instance's address.
  // The loader sets preserveHost to false whenever hostRewrite is given.
  bool preserveHost = true;
  std::optional<std::string> hostRewrite;  // "api.internal" or "api.internal:8443"
  // Settings of stages that own a route field (route_extension.h), by stage slot; null where
  // the route does not set the field.
  std::vector<std::shared_ptr<const RouteExtension>> extensions;

  template <class T>
  const T* extension(std::size_t slot) const {
    return slot < extensions.size() ? static_cast<const T*>(extensions[slot].get()) : nullptr;
  }
};

struct ConsumerConfig {
  std::string id;
  std::string tier;                   // names a rate_limits tier; may be empty
  std::vector<std::string> apiKeys;   // plain in the file; the runtime keeps only hashes
  std::string jwtSubject;             // `sub` claim that identifies this consumer
  std::vector<std::string> roles;     // for API-key callers (JWT callers bring their own)
  std::vector<std::string> scopes;    // for API-key callers
};

enum class LimitKey { kConsumer, kApiKey, kClientAddress, kHeader, kRoute };
std::string_view toString(LimitKey key);

struct RateLimitPolicy {
  std::string name;
  LimiterSpec spec;
  LimitKey key = LimitKey::kConsumer;
  std::string header;  // for LimitKey::kHeader
  bool cluster = false;  // counted cluster-wide in Redis (rate_limits.cluster), not per instance
};

// Where cluster-scoped limits are kept and what happens when that store cannot answer
// (libgateway/SEMANTICS.md, "Cluster-wide limits").
// kExact: every decision in the store; kSync: local decisions, counts added up in the store every
// sync interval; kSplit: no store, each of `instances` gateways enforces its share alone.
enum class ClusterLimitMode { kExact, kSync, kSplit };
enum class ClusterLimitFailure { kFailOpen, kFailClosed, kLocalFallback };
std::string_view toString(ClusterLimitMode mode);
std::string_view toString(ClusterLimitFailure failure);

struct ClusterLimitsConfig {
  std::vector<std::string> redis;          // "host:port" seeds: one standalone server or cluster nodes
  ClusterLimitMode mode = ClusterLimitMode::kExact;
  Duration syncInterval = millis(100);     // kSync: how often local counts go to Redis
  Duration timeout = millis(50);           // per decision, after which on_failure applies
  ClusterLimitFailure onFailure = ClusterLimitFailure::kLocalFallback;
  std::int64_t instances = 1;              // gateway instances sharing a limit (local_fallback's share)
  Duration retryInterval = seconds(1);     // while Redis is down, one decision per interval tries it
  Duration concurrencyLease = seconds(60); // a concurrency unit whose release never came expires
  std::string keyPrefix = "gw:rl:";
  std::string username;                    // Redis ACL user ("": AUTH with the password alone)
  std::string password;                    // Redis AUTH ("": none); from password or password_file
};

enum class RateLimitHeaders { kDraft, kLegacy, kBoth, kNone };

struct RateLimitsConfig {
  std::string scope = "instance";           // default scope of tiers and policies: "instance" or "cluster"
  ClusterLimitsConfig cluster;              // used when any limit is cluster-scoped
  std::int64_t maxKeys = 1'000'000;         // per policy store; idle keys evicted first
  Duration idleTimeout = seconds(600);      // a key unused this long may be evicted
  RateLimitHeaders headers = RateLimitHeaders::kDraft;
  std::string anonymousTier;                // tier for requests without a consumer ("" = none)
  std::map<std::string, RateLimitPolicy> tiers;     // by tier name, key defaults to consumer
  std::map<std::string, RateLimitPolicy> policies;  // by policy name
};

// JWT verification (RFC 7519 / 7515): keys from config and/or a JWKS file, each with its
// algorithm allow-list; the accepted issuers and audiences (empty: any); clock leeway.
struct JwtConfig {
  std::vector<std::string> issuers;
  std::vector<std::string> audiences;
  std::int64_t leewaySeconds = 30;
  bool requireExp = true;
  std::vector<JwtKey> keys;
  std::string jwksFile;                 // as written in the config, for reports
  std::size_t cacheEntries = 10000;     // verified tokens kept until they expire; 0 = no cache
};

struct AuthConfig {
  std::string apiKeyHeader = "X-API-Key";
  std::optional<JwtConfig> jwt;
};

struct ObservabilityConfig {
  bool accessLog = true;
  bool metrics = true;
  std::string correlationHeader = "X-Correlation-ID";
};

// gatewayd's listener settings, the "server" section. Only the real gateway reads them (the
// core and gwsim ignore them). Every field is optional: unset means the command line's value
// or the built-in default; a flag given on the command line wins over the file.
struct ServerLimitsConfig {
  std::optional<std::int64_t> maxBodyBytes;    // 413 above
  std::optional<std::int64_t> maxHeaderBytes;  // 431 above
  std::optional<std::int64_t> maxUrlBytes;     // 414 above
  std::optional<std::int64_t> maxPipelined;    // requests read ahead of their responses
  std::optional<std::int64_t> maxConnections;  // client connections open at once; 0 = no cap
  std::optional<Duration> headerTimeout;       // 408 after
  std::optional<Duration> bodyTimeout;         // end of header to end of body: 408 after
  std::optional<std::int64_t> minBodyRate;     // bytes/s of body that extend bodyTimeout; 0 = none
  std::optional<Duration> idleTimeout;         // idle keep-alive connections close after
  std::optional<Duration> writeTimeout;        // a client not taking answer bytes: reset after
  bool operator==(const ServerLimitsConfig&) const = default;
};

struct ServerUpstreamConfig {
  std::optional<std::int64_t> maxConnectionsPerInstance;  // per worker thread
  std::optional<std::int64_t> maxIdlePerInstance;         // per worker thread
  std::optional<Duration> idleTimeout;
  std::optional<std::int64_t> maxResponseBodyBytes;       // 502 above
  bool operator==(const ServerUpstreamConfig&) const = default;
};

struct ServerConfig {
  std::optional<std::string> listen;     // "host:port", port 0 = any free port
  std::optional<std::string> admin;      // "host:port"
  std::optional<std::string> adminTokenFile;  // the admin API's bearer token (relative to the config file)
  std::optional<std::int64_t> threads;   // worker threads, 1-256
  std::optional<std::string> accessLog;  // a file (relative to the config file) or "-" (stdout)
  std::optional<Duration> drainTimeout;  // SIGTERM: how long in-flight requests may finish
  ServerLimitsConfig limits;
  ServerUpstreamConfig upstream;
  bool operator==(const ServerConfig&) const = default;
};

struct Config {
  std::vector<ServiceConfig> services;
  std::vector<RouteConfig> routes;
  std::vector<ConsumerConfig> consumers;
  RateLimitsConfig rateLimits;
  AuthConfig auth;
  ObservabilityConfig observability;
  ServerConfig server;

  const ServiceConfig* findService(std::string_view name) const;
  const ConsumerConfig* findConsumer(std::string_view id) const;
};

}  // namespace gateway
