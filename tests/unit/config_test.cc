// Config loading: a good config loads with the values it states; each kind of mistake is
// reported with its JSON path and an exact message; several mistakes are all reported.
#include "libgateway/config/config_loader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "test_support.h"

namespace gateway {
namespace {

using nlohmann::json;

json goodConfig() {
  return json::parse(R"({
    "services": [
      {"name": "users", "instances": ["10.0.0.1:8080", "10.0.0.2:8080"]},
      {"name": "orders",
       "instances": [{"id": "o1", "address": "10.0.1.1:9000", "weight": 3},
                     {"id": "o2", "address": "10.0.1.2:9000"}],
       "load_balancer": {"algorithm": "weighted_round_robin"}, "timeout_ms": 2000},
      {"name": "catalog", "instances": ["catalog.internal:80"],
       "load_balancer": {"algorithm": "ring_hash", "hash_on": "header:X-User", "ring_size": 256}}
    ],
    "rate_limits": {
      "tiers": {"free": {"algorithm": "token_bucket", "rate": 5, "burst": 10}},
      "policies": {"global": {"algorithm": "fixed_window", "limit": 100, "window_ms": 1000}}
    },
    "consumers": [{"id": "alice", "tier": "free", "api_keys": ["alice-key-0001"]}],
    "routes": [
      {"name": "user-list", "match": {"prefix": "/users", "methods": ["GET"]}, "service": "users"},
      {"name": "user", "match": {"template": "/users/{id}"}, "service": "users", "rewrite": "/v2/users/{id}"},
      {"name": "orders", "match": {"prefix": "/api/orders"}, "service": "orders", "strip_prefix": true,
       "timeout_ms": 500},
      {"name": "catalog", "match": {"path": "/catalog", "hosts": ["Shop.Example.com"]},
       "split": [{"service": "catalog", "weight": 90}, {"service": "users", "weight": 10}],
       "rate_limit": {"policies": ["global"]}}
    ],
    "observability": {"correlation_header": "X-Request-ID"}
  })");
}

std::vector<std::string> errorLines(const ConfigLoad& load) {
  std::vector<std::string> out;
  for (const auto& e : load.errors.list()) out.push_back(e.str());
  return out;
}

TEST(ConfigTest, GoodConfigLoadsWithItsValues) {
  const ConfigLoad load = loadConfigJson(goodConfig());
  ASSERT_TRUE(load.ok()) << load.errors.text();
  const Config& c = *load.config;
  ASSERT_EQ(c.services.size(), 3u);
  EXPECT_EQ(c.services[0].instances[1].id, "10.0.0.2:8080");  // the id defaults to the address
  EXPECT_EQ(c.services[0].timeout, seconds(30));
  EXPECT_EQ(c.services[0].loadBalancer.algorithm, LbAlgorithm::kRoundRobin);
  EXPECT_EQ(c.services[1].instances[0].weight, 3u);
  EXPECT_EQ(c.services[1].timeout, millis(2000));
  EXPECT_EQ(c.services[2].loadBalancer.hashOn.source, HashKeyConfig::Source::kHeader);
  EXPECT_EQ(c.services[2].loadBalancer.hashOn.header, "X-User");
  EXPECT_EQ(c.services[2].loadBalancer.ringSize, 256u);
  ASSERT_EQ(c.routes.size(), 4u);
  EXPECT_EQ(c.routes[0].pathType, PathMatchType::kPrefix);
  EXPECT_EQ(c.routes[1].pathType, PathMatchType::kTemplate);
  EXPECT_EQ(c.routes[1].rewrite, "/v2/users/{id}");
  EXPECT_TRUE(c.routes[2].stripPrefix);
  EXPECT_EQ(c.routes[2].timeout, millis(500));
  EXPECT_EQ(c.routes[3].hosts, (std::vector<std::string>{"shop.example.com"}));  // lower-cased
  ASSERT_EQ(c.routes[3].backends.size(), 2u);
  EXPECT_EQ(c.routes[3].backends[1].service, "users");
  EXPECT_EQ(c.routes[3].backends[1].weight, 10u);
  EXPECT_EQ(c.routes[3].rateLimit.policies, (std::vector<std::string>{"global"}));
  EXPECT_EQ(c.rateLimits.tiers.at("free").spec.rateMilli, 5000);
  EXPECT_EQ(c.consumers[0].apiKeys, (std::vector<std::string>{"alice-key-0001"}));
  EXPECT_EQ(c.observability.correlationHeader, "X-Request-ID");
  EXPECT_EQ(c.findService("orders"), &c.services[1]);
  EXPECT_EQ(c.findService("ordrs"), nullptr);

  // The same document as text loads the same way.
  EXPECT_TRUE(parseConfig(goodConfig().dump(2)).ok());
}

// One mistake in an otherwise good config, and the exact error line(s) it must produce.
struct BadCase {
  std::string name;
  std::function<void(json&)> edit;
  std::vector<std::string> errors;
};

// gtest's "GetParam() = ..." line: the case's name and the errors it expects.
void PrintTo(const BadCase& c, std::ostream* os) {
  *os << c.name << ", expecting";
  for (const auto& e : c.errors) *os << " [" << e << "]";
}

void set(json& doc, const char* pointer, json value) { doc[json::json_pointer(pointer)] = std::move(value); }
void erase(json& doc, const char* parent, const char* key) { doc[json::json_pointer(parent)].erase(key); }

std::vector<BadCase> badCases() {
  return {
      {"UnknownServiceWithHint",
       [](json& d) {
         erase(d, "/routes/3", "split");
         set(d, "/routes/3/service", "ordrs");
       },
       {R"(/routes/3/service: unknown service "ordrs" (did you mean "orders"?))"}},
      {"UnknownServiceWithoutHint", [](json& d) { set(d, "/routes/0/service", "billing"); },
       {R"(/routes/0/service: unknown service "billing")"}},
      {"MissingInstances", [](json& d) { erase(d, "/services/0", "instances"); },
       {"/services/0/instances: required field is missing"}},
      {"EmptyInstances", [](json& d) { set(d, "/services/0/instances", json::array()); },
       {"/services/0/instances: a service needs at least one instance"}},
      {"AddressWithoutPort", [](json& d) { set(d, "/services/0/instances/0", "10.0.0.1"); },
       {R"(/services/0/instances/0: bad address "10.0.0.1": expected "host:port")"}},
      {"PortOutOfRange", [](json& d) { set(d, "/services/1/instances/1/address", "10.0.1.2:70000"); },
       {R"(/services/1/instances/1/address: bad address "10.0.1.2:70000": port 70000 is out of range 1-65535)"}},
      {"PortNotANumber", [](json& d) { set(d, "/services/0/instances/0", "10.0.0.1:http"); },
       {R"(/services/0/instances/0: bad address "10.0.0.1:http": port "http" is not a number)"}},
      {"AddressIsAUrl", [](json& d) { set(d, "/services/0/instances/1", "http://10.0.0.2:8080"); },
       {R"(/services/0/instances/1: bad address "http://10.0.0.2:8080": write "host:port" without a scheme)"}},
      {"AddressWithPath", [](json& d) { set(d, "/services/0/instances/1", "10.0.0.2/api:8080"); },
       {R"(/services/0/instances/1: bad address "10.0.0.2/api:8080": "10.0.0.2/api" is not a host name or IP address)"}},
      {"DuplicateInstance", [](json& d) { set(d, "/services/0/instances/1", "10.0.0.1:8080"); },
       {R"(/services/0/instances/1: duplicate instance "10.0.0.1:8080" in service "users")"}},
      {"DuplicateService",
       [](json& d) { d["services"].push_back({{"name", "users"}, {"instances", {"10.9.9.9:80"}}}); },
       {R"(/services/3/name: duplicate service "users")"}},
      {"UnknownAlgorithm", [](json& d) { set(d, "/services/1/load_balancer/algorithm", "least_conn"); },
       {R"(/services/1/load_balancer/algorithm: "least_conn" is not one of: round_robin, weighted_round_robin, )"
        "least_request, random, ring_hash, maglev"}},
      {"RingSizeOnMaglev", [](json& d) { set(d, "/services/2/load_balancer/algorithm", "maglev"); },
       {"/services/2/load_balancer/ring_size: only ring_hash uses ring_size"}},
      {"HashOnWithoutHashing",
       [](json& d) { set(d, "/services/0/load_balancer", {{"algorithm", "round_robin"}, {"hash_on", "path"}}); },
       {"/services/0/load_balancer/hash_on: only ring_hash and maglev use hash_on"}},
      {"BadHashOn", [](json& d) { set(d, "/services/2/load_balancer/hash_on", "cookie:session"); },
       {R"(/services/2/load_balancer/hash_on: "cookie:session" is not one of: client_address, path, header:NAME)"}},
      {"ChoicesWithoutLeastRequest", [](json& d) { set(d, "/services/1/load_balancer/choices", 3); },
       {"/services/1/load_balancer/choices: only least_request uses choices"}},
      {"WeightsIgnoredByRoundRobin", [](json& d) { erase(d, "/services/1", "load_balancer"); },
       {"/services/1/instances/0/weight: round_robin ignores weights; use weighted_round_robin, ring_hash or maglev"}},
      {"ZeroWeight", [](json& d) { set(d, "/services/1/instances/1/weight", 0); },
       {"/services/1/instances/1/weight: must be between 1 and 1000000, got 0"}},
      {"MisspelledField", [](json& d) { set(d, "/services/0/timout_ms", 100); },
       {R"(/services/0/timout_ms: unknown field (did you mean "timeout_ms"?))"}},
      {"UnknownTopLevelField", [](json& d) { d["route"] = json::array(); },
       {R"(/route: unknown field (did you mean "routes"?))"}},
      {"ZeroTimeout", [](json& d) { set(d, "/services/0/timeout_ms", 0); },
       {"/services/0/timeout_ms: must be between 1 and 3600000, got 0"}},
      {"TimeoutAsString", [](json& d) { set(d, "/routes/2/timeout_ms", "500ms"); },
       {"/routes/2/timeout_ms: expected an integer, got string"}},
      {"TimeoutFractional", [](json& d) { set(d, "/routes/2/timeout_ms", 1.5); },
       {"/routes/2/timeout_ms: expected an integer, got number"}},
      {"TwoPathKinds", [](json& d) { set(d, "/routes/0/match/path", "/users"); },
       {R"(/routes/0/match: give only one of "path", "prefix", "template")"}},
      {"NoPath", [](json& d) { erase(d, "/routes/0/match", "prefix"); },
       {R"(/routes/0/match: needs one of "path" (exact), "prefix" or "template")"}},
      {"PathWithoutSlash", [](json& d) { set(d, "/routes/0/match/prefix", "users"); },
       {R"(/routes/0/match/prefix: bad path "users": must start with '/')"}},
      {"ParamInPrefix", [](json& d) { set(d, "/routes/0/match/prefix", "/users/{id}"); },
       {R"(/routes/0/match/prefix: bad path "/users/{id}": parameters like "{id}" need a template match)"}},
      {"TemplateWithoutParam",
       [](json& d) {
         set(d, "/routes/1/match/template", "/users/me");
         erase(d, "/routes/1", "rewrite");
       },
       {R"(/routes/1/match/template: a template needs at least one {param}; use "path" for an exact match)"}},
      {"PartialSegmentParam", [](json& d) { set(d, "/routes/1/match/template", "/users/x{id}"); },
       {R"(/routes/1/match/template: bad path "/users/x{id}": segment "x{id}": a parameter must be a whole )"
        "segment like {name}"}},
      {"LowerCaseMethod", [](json& d) { set(d, "/routes/0/match/methods", {"get"}); },
       {R"(/routes/0/match/methods/0: methods are case-sensitive and upper case: "get")"}},
      {"DuplicateMethod", [](json& d) { set(d, "/routes/0/match/methods", {"GET", "POST", "GET"}); },
       {R"(/routes/0/match/methods/2: "GET" is listed twice)"}},
      {"MethodNotAString", [](json& d) { set(d, "/routes/0/match/methods", {"GET", 7}); },
       {R"(/routes/0/match/methods/1: expected an HTTP method like "GET")"}},
      {"HostWithPort", [](json& d) { set(d, "/routes/3/match/hosts", {"shop.example.com:8443"}); },
       {R"(/routes/3/match/hosts/0: expected a host name like "api.example.com" or "*.example.com")"}},
      {"HeaderMatchFalse", [](json& d) { set(d, "/routes/0/match/headers", {{"x-canary", false}}); },
       {"/routes/0/match/headers/x-canary: expected a string (exact value) or true (present)"}},
      {"BadHeaderName", [](json& d) { set(d, "/routes/0/match/headers", {{"x canary", "1"}}); },
       {"/routes/0/match/headers/x canary: not a valid header name"}},
      {"StripPrefixOnTemplate",
       [](json& d) {
         erase(d, "/routes/1", "rewrite");
         set(d, "/routes/1/strip_prefix", true);
       },
       {"/routes/1/strip_prefix: only a prefix match can strip its prefix"}},
      {"RewriteUncapturedParam", [](json& d) { set(d, "/routes/1/rewrite", "/v2/users/{user_id}"); },
       {R"(/routes/1/rewrite: "{user_id}" is not captured by the match path)"}},
      {"RewriteRestOnTemplate", [](json& d) { set(d, "/routes/1/rewrite", "/v2{*}"); },
       {R"(/routes/1/rewrite: "{*}" needs a prefix match)"}},
      {"RewriteMalformed", [](json& d) { set(d, "/routes/1/rewrite", "/v2/{id"); },
       {"/routes/1/rewrite: unclosed '{' at offset 4"}},
      {"RewriteWithQuery", [](json& d) { set(d, "/routes/1/rewrite", "/v2/users?id={id}"); },
       {"/routes/1/rewrite: must not contain '?' or '#' (the query is forwarded as received)"}},
      {"StripPrefixAndRewrite", [](json& d) { set(d, "/routes/2/rewrite", "/v1{*}"); },
       {"/routes/2/rewrite: use either strip_prefix or rewrite, not both"}},
      {"SplitWeightsZero",
       [](json& d) {
         set(d, "/routes/3/split/0/weight", 0);
         set(d, "/routes/3/split/1/weight", 0);
       },
       {"/routes/3/split: the weights add up to 0"}},
      {"SplitServiceTwice", [](json& d) { set(d, "/routes/3/split/1/service", "catalog"); },
       {R"(/routes/3/split/1/service: service "catalog" appears twice in the split)"}},
      {"SplitWeightMissing", [](json& d) { erase(d, "/routes/3/split/1", "weight"); },
       {"/routes/3/split/1/weight: required field is missing"}},
      {"ServiceAndSplit", [](json& d) { set(d, "/routes/3/service", "users"); },
       {R"(/routes/3: give either "service" or "split", not both)"}},
      {"NoBackend", [](json& d) { erase(d, "/routes/0", "service"); },
       {R"(/routes/0: needs a "service" or a weighted "split")"}},
      {"DuplicateRouteName", [](json& d) { set(d, "/routes/1/name", "user-list"); },
       {R"(/routes/1/name: duplicate route "user-list")"}},
      {"SameMatchTwice",
       [](json& d) {
         d["routes"].push_back(
             {{"name", "users-again"}, {"match", {{"prefix", "/users"}, {"methods", {"GET"}}}}, {"service", "users"}});
       },
       {R"(/routes/4/match: same match as route "user-list")"}},
      {"UnknownPolicy", [](json& d) { set(d, "/routes/3/rate_limit/policies/0", "globl"); },
       {R"(/routes/3/rate_limit/policies/0: unknown rate limit policy "globl")"}},
      {"UnknownTier", [](json& d) { set(d, "/consumers/0/tier", "gold"); },
       {R"(/consumers/0/tier: unknown tier "gold" (rate_limits.tiers has free))"}},
      {"ShortApiKey", [](json& d) { set(d, "/consumers/0/api_keys/0", "short"); },
       {"/consumers/0/api_keys/0: an API key is a string of at least 8 characters"}},
      {"SharedApiKey",
       [](json& d) { d["consumers"].push_back({{"id", "bob"}, {"api_keys", {"alice-key-0001"}}}); },
       // The key itself is a secret and never appears in an error.
       {"/consumers/1/api_keys/0: this API key is already given to another consumer"}},
      {"TierMissingBurst", [](json& d) { erase(d, "/rate_limits/tiers/free", "burst"); },
       // Only the cause: alice's reference to the broken tier is not reported as unknown.
       {"/rate_limits/tiers/free/burst: required field is missing"}},
      {"TierWithWindow", [](json& d) { set(d, "/rate_limits/tiers/free/window_ms", 1000); },
       {"/rate_limits/tiers/free/window_ms: token_bucket does not use window_ms"}},
      {"RateWithTooManyDecimals", [](json& d) { set(d, "/rate_limits/tiers/free/rate", 1.2345); },
       {"/rate_limits/tiers/free/rate: at most 3 decimals (requests per second)"}},
      {"UnknownLimiterAlgorithm", [](json& d) { set(d, "/rate_limits/policies/global/algorithm", "sliding_window"); },
       {R"(/rate_limits/policies/global/algorithm: "sliding_window" is not one of: token_bucket, leaky_bucket, )"
        "fixed_window, sliding_log, sliding_counter, gcra, concurrency"}},
      {"UnknownAnonymousTier", [](json& d) { set(d, "/rate_limits/anonymous_tier", "anon"); },
       {R"(/rate_limits/anonymous_tier: unknown tier "anon")"}},
      {"BadCorrelationHeader", [](json& d) { set(d, "/observability/correlation_header", "X Request"); },
       {R"(/observability/correlation_header: "X Request" is not a header name)"}},
      // Route: the Host sent upstream.
      {"PreserveHostNotABool", [](json& d) { set(d, "/routes/0/preserve_host", "yes"); },
       {"/routes/0/preserve_host: expected true or false, got string"}},
      {"HostRewriteWithPreserveHost",
       [](json& d) {
         set(d, "/routes/0/preserve_host", true);
         set(d, "/routes/0/host_rewrite", "api.internal");
       },
       {R"(/routes/0/host_rewrite: use either "preserve_host": true or host_rewrite, not both)"}},
      {"HostRewriteWithScheme", [](json& d) { set(d, "/routes/0/host_rewrite", "https://api.internal"); },
       {R"(/routes/0/host_rewrite: write a host without a scheme, like "api.internal")"}},
      {"HostRewriteWithPath", [](json& d) { set(d, "/routes/0/host_rewrite", "api.internal/v1"); },
       {R"(/routes/0/host_rewrite: "api.internal/v1" is not a host with an optional port, like "api.internal" or )"
        R"("10.0.0.5:8443")"}},
      {"HostRewritePortOutOfRange", [](json& d) { set(d, "/routes/0/host_rewrite", "api.internal:70000"); },
       {R"(/routes/0/host_rewrite: "api.internal:70000" is not a host with an optional port, like "api.internal" )"
        R"(or "10.0.0.5:8443")"}},
      {"HostRewriteEmpty", [](json& d) { set(d, "/routes/0/host_rewrite", ""); },
       {R"(/routes/0/host_rewrite: "" is not a host with an optional port, like "api.internal" or "10.0.0.5:8443")"}},
      {"HostRewriteNotAString", [](json& d) { set(d, "/routes/0/host_rewrite", 42); },
       {"/routes/0/host_rewrite: expected a string, got integer"}},
      // Server: gatewayd's listener settings.
      {"ServerNotAnObject", [](json& d) { d["server"] = "127.0.0.1:8080"; },
       {"/server: expected an object, got string"}},
      {"ServerUnknownField", [](json& d) { set(d, "/server/lisen", "127.0.0.1:8080"); },
       {R"(/server/lisen: unknown field (did you mean "listen"?))"}},
      {"ServerListenWithoutPort", [](json& d) { set(d, "/server/listen", "127.0.0.1"); },
       {R"(/server/listen: bad address "127.0.0.1": expected "host:port")"}},
      {"ServerListenPortOutOfRange", [](json& d) { set(d, "/server/listen", "127.0.0.1:70000"); },
       {R"(/server/listen: bad address "127.0.0.1:70000": port 70000 is out of range 0-65535)"}},
      {"ServerListenPortNotANumber", [](json& d) { set(d, "/server/listen", "127.0.0.1:http"); },
       {R"(/server/listen: bad address "127.0.0.1:http": port "http" is not a number)"}},
      {"ServerListenHostName", [](json& d) { set(d, "/server/listen", "gateway.example.com:8080"); },
       {R"(/server/listen: bad address "gateway.example.com:8080": "gateway.example.com" is not an IP address )"
        R"(or "localhost")"}},
      {"ServerListenBadV6", [](json& d) { set(d, "/server/listen", "[::1:8080"); },
       {R"(/server/listen: bad address "[::1:8080": expected "[v6-address]:port")"}},
      {"ServerAdminUrl", [](json& d) { set(d, "/server/admin", "http://127.0.0.1:9901"); },
       {R"(/server/admin: bad address "http://127.0.0.1:9901": write "host:port" without a scheme)"}},
      {"ServerAdminSameAsListen",
       [](json& d) {
         set(d, "/server/listen", "127.0.0.1:8080");
         set(d, "/server/admin", "127.0.0.1:8080");
       },
       {R"(/server/admin: the same address as listen ("127.0.0.1:8080"))"}},
      {"ServerThreadsZero", [](json& d) { set(d, "/server/threads", 0); },
       {"/server/threads: must be between 1 and 256, got 0"}},
      {"ServerThreadsTooMany", [](json& d) { set(d, "/server/threads", 300); },
       {"/server/threads: must be between 1 and 256, got 300"}},
      {"ServerAccessLogEmpty", [](json& d) { set(d, "/server/access_log", ""); },
       {R"(/server/access_log: must not be empty (a file, or "-" for stdout; leave it out for no log))"}},
      {"ServerAccessLogNotAString", [](json& d) { set(d, "/server/access_log", true); },
       {"/server/access_log: expected a string, got boolean"}},
      {"ServerDrainTimeoutNegative", [](json& d) { set(d, "/server/drain_timeout_ms", -1); },
       {"/server/drain_timeout_ms: must be between 0 and 3600000, got -1"}},
      {"ServerLimitsNotAnObject", [](json& d) { set(d, "/server/limits", json::array()); },
       {"/server/limits: expected an object, got array"}},
      {"ServerLimitsUnknownField", [](json& d) { set(d, "/server/limits/max_connection", 10); },
       {R"(/server/limits/max_connection: unknown field (did you mean "max_connections"?))"}},
      {"ServerMaxBodyTooLarge", [](json& d) { set(d, "/server/limits/max_body_bytes", 2199023255552LL); },
       {"/server/limits/max_body_bytes: must be between 0 and 1099511627776, got 2199023255552"}},
      {"ServerMaxHeaderTooSmall", [](json& d) { set(d, "/server/limits/max_header_bytes", 100); },
       {"/server/limits/max_header_bytes: must be between 256 and 1048576, got 100"}},
      {"ServerMaxUrlTooSmall", [](json& d) { set(d, "/server/limits/max_url_bytes", 8); },
       {"/server/limits/max_url_bytes: must be between 16 and 1048576, got 8"}},
      {"ServerMaxPipelinedZero", [](json& d) { set(d, "/server/limits/max_pipelined", 0); },
       {"/server/limits/max_pipelined: must be between 1 and 1024, got 0"}},
      {"ServerMaxConnectionsNegative", [](json& d) { set(d, "/server/limits/max_connections", -1); },
       {"/server/limits/max_connections: must be between 0 and 1000000, got -1"}},
      {"ServerHeaderTimeoutZero", [](json& d) { set(d, "/server/limits/header_timeout_ms", 0); },
       {"/server/limits/header_timeout_ms: must be between 1 and 3600000, got 0"}},
      {"ServerIdleTimeoutAsString", [](json& d) { set(d, "/server/limits/idle_timeout_ms", "60s"); },
       {"/server/limits/idle_timeout_ms: expected an integer, got string"}},
      {"ServerBodyTimeoutZero", [](json& d) { set(d, "/server/limits/body_timeout_ms", 0); },
       {"/server/limits/body_timeout_ms: must be between 1 and 3600000, got 0"}},
      {"ServerMinBodyRateNegative", [](json& d) { set(d, "/server/limits/min_body_bytes_per_s", -1); },
       {"/server/limits/min_body_bytes_per_s: must be between 0 and 1073741824, got -1"}},
      {"ServerWriteTimeoutTooLong", [](json& d) { set(d, "/server/limits/write_timeout_ms", 3600001); },
       {"/server/limits/write_timeout_ms: must be between 1 and 3600000, got 3600001"}},
      {"ServerUpstreamMaxConnectionsZero",
       [](json& d) { set(d, "/server/upstream/max_connections_per_instance", 0); },
       {"/server/upstream/max_connections_per_instance: must be between 1 and 100000, got 0"}},
      {"ServerUpstreamMaxIdleNegative", [](json& d) { set(d, "/server/upstream/max_idle_per_instance", -1); },
       {"/server/upstream/max_idle_per_instance: must be between 0 and 100000, got -1"}},
      {"ServerUpstreamIdleTimeoutZero", [](json& d) { set(d, "/server/upstream/idle_timeout_ms", 0); },
       {"/server/upstream/idle_timeout_ms: must be between 1 and 3600000, got 0"}},
      {"ServerUpstreamMaxResponseBodyTooLarge",
       [](json& d) { set(d, "/server/upstream/max_response_body_bytes", 2199023255552LL); },
       {"/server/upstream/max_response_body_bytes: must be between 0 and 1099511627776, got 2199023255552"}},
      {"ServerUpstreamUnknownField", [](json& d) { set(d, "/server/upstream/keepalive", 8); },
       {"/server/upstream/keepalive: unknown field"}},
      {"ServicesNotAnArray", [](json& d) { d["services"] = json::object(); },
       {"/services: expected an array, got object", R"(/routes/0/service: unknown service "users")",
        R"(/routes/1/service: unknown service "users")", R"(/routes/2/service: unknown service "orders")",
        R"(/routes/3/split/0/service: unknown service "catalog")", R"(/routes/3/split/1/service: unknown service "users")"}},
  };
}

class BadConfigTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadConfigTest, ReportsExactErrorWithPath) {
  json doc = goodConfig();
  GetParam().edit(doc);
  const ConfigLoad load = loadConfigJson(doc);
  EXPECT_FALSE(load.ok());
  EXPECT_EQ(load.config, nullptr);
  EXPECT_EQ(errorLines(load), GetParam().errors);
}

INSTANTIATE_TEST_SUITE_P(Cases, BadConfigTest, ::testing::ValuesIn(badCases()),
                         [](const auto& info) { return info.param.name; });

TEST(ConfigTest, EveryErrorIsListedNotJustTheFirst) {
  json doc = goodConfig();
  set(doc, "/services/0/instances/1", "10.0.0.2");
  set(doc, "/services/1/load_balancer/algorithm", "fastest");
  set(doc, "/services/2/retries", 3);
  set(doc, "/consumers/0/tier", "gold");
  set(doc, "/routes/0/match/methods", {"get"});
  set(doc, "/routes/2/service", "ordrs");
  set(doc, "/routes/3/split/1/weight", -5);
  set(doc, "/observability/metrics", "yes");
  const ConfigLoad load = loadConfigJson(doc);
  ASSERT_FALSE(load.ok());
  EXPECT_EQ(errorLines(load),
            (std::vector<std::string>{
                R"(/services/0/instances/1: bad address "10.0.0.2": expected "host:port")",
                R"(/services/1/load_balancer/algorithm: "fastest" is not one of: round_robin, weighted_round_robin, )"
                "least_request, random, ring_hash, maglev",
                "/services/2/retries: unknown field",
                R"(/consumers/0/tier: unknown tier "gold" (rate_limits.tiers has free))",
                R"(/routes/0/match/methods/0: methods are case-sensitive and upper case: "get")",
                R"(/routes/2/service: unknown service "ordrs" (did you mean "orders"?))",
                "/routes/3/split/1/weight: must be between 0 and 1000000, got -5",
                "/observability/metrics: expected true or false, got string",
            }));
  // text() is the same, one per line.
  const std::string text = load.errors.text();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 8);
}

TEST(ConfigTest, ServerSectionLoadsItsValues) {
  json doc = goodConfig();
  doc["server"] = json::parse(R"({
    "listen": "0.0.0.0:8080", "admin": "[::1]:0", "threads": 4, "access_log": "logs/access.log",
    "drain_timeout_ms": 0,
    "limits": {"max_body_bytes": 0, "max_header_bytes": 4096, "max_url_bytes": 2048, "max_pipelined": 8,
               "max_connections": 1000, "header_timeout_ms": 5000, "body_timeout_ms": 7000,
               "min_body_bytes_per_s": 0, "idle_timeout_ms": 30000, "write_timeout_ms": 9000},
    "upstream": {"max_connections_per_instance": 64, "max_idle_per_instance": 0, "idle_timeout_ms": 10000,
                 "max_response_body_bytes": 1048576}
  })");
  const ConfigLoad load = loadConfigJson(doc, "", "/etc/gateway");
  ASSERT_TRUE(load.ok()) << load.errors.text();
  const ServerConfig& s = load.config->server;
  EXPECT_EQ(s.listen, "0.0.0.0:8080");
  EXPECT_EQ(s.admin, "[::1]:0");
  EXPECT_EQ(s.threads, 4);
  EXPECT_EQ(s.accessLog, "/etc/gateway/logs/access.log");  // relative to the config file
  EXPECT_EQ(s.drainTimeout, 0);
  EXPECT_EQ(s.limits.maxBodyBytes, 0);
  EXPECT_EQ(s.limits.maxHeaderBytes, 4096);
  EXPECT_EQ(s.limits.maxUrlBytes, 2048);
  EXPECT_EQ(s.limits.maxPipelined, 8);
  EXPECT_EQ(s.limits.maxConnections, 1000);
  EXPECT_EQ(s.limits.headerTimeout, millis(5000));
  EXPECT_EQ(s.limits.bodyTimeout, millis(7000));
  EXPECT_EQ(s.limits.minBodyRate, 0);
  EXPECT_EQ(s.limits.idleTimeout, seconds(30));
  EXPECT_EQ(s.limits.writeTimeout, millis(9000));
  EXPECT_EQ(s.upstream.maxConnectionsPerInstance, 64);
  EXPECT_EQ(s.upstream.maxIdlePerInstance, 0);
  EXPECT_EQ(s.upstream.idleTimeout, seconds(10));
  EXPECT_EQ(s.upstream.maxResponseBodyBytes, 1048576);

  // "-" is stdout and an absolute path stays as written; localhost is accepted.
  doc["server"] = {{"access_log", "-"}, {"listen", "localhost:0"}, {"admin", "localhost:0"}};
  ConfigLoad other = loadConfigJson(doc, "", "/etc/gateway");
  ASSERT_TRUE(other.ok()) << other.errors.text();
  EXPECT_EQ(other.config->server.accessLog, "-");
  doc["server"] = {{"access_log", "/var/log/gw.log"}};
  other = loadConfigJson(doc, "", "/etc/gateway");
  ASSERT_TRUE(other.ok()) << other.errors.text();
  EXPECT_EQ(other.config->server.accessLog, "/var/log/gw.log");
}

TEST(ConfigTest, ServerSectionIsOptionalAndEveryFieldToo) {
  ConfigLoad load = loadConfigJson(goodConfig());
  ASSERT_TRUE(load.ok()) << load.errors.text();
  EXPECT_EQ(load.config->server, ServerConfig{});  // nothing set: gatewayd's flags and defaults apply
  json doc = goodConfig();
  doc["server"] = {{"limits", {{"max_connections", 0}}}};
  load = loadConfigJson(doc);
  ASSERT_TRUE(load.ok()) << load.errors.text();
  EXPECT_FALSE(load.config->server.listen);
  EXPECT_FALSE(load.config->server.limits.maxUrlBytes);
  EXPECT_EQ(load.config->server.limits.maxConnections, 0);
}

TEST(ConfigTest, RouteUpstreamHost) {
  json doc = goodConfig();
  set(doc, "/routes/1/preserve_host", false);
  set(doc, "/routes/2/host_rewrite", "orders.internal:8443");
  set(doc, "/routes/3/host_rewrite", "[fd00::5]:8080");
  set(doc, "/routes/3/preserve_host", false);  // redundant with host_rewrite, but consistent
  const ConfigLoad load = loadConfigJson(doc);
  ASSERT_TRUE(load.ok()) << load.errors.text();
  const auto& routes = load.config->routes;
  // Default: the client's Host passes through.
  EXPECT_TRUE(routes[0].preserveHost);
  EXPECT_FALSE(routes[0].hostRewrite);
  // preserve_host false: the instance's address.
  EXPECT_FALSE(routes[1].preserveHost);
  EXPECT_FALSE(routes[1].hostRewrite);
  // host_rewrite: that value, and preserve_host is false with it.
  EXPECT_FALSE(routes[2].preserveHost);
  EXPECT_EQ(routes[2].hostRewrite, "orders.internal:8443");
  EXPECT_FALSE(routes[3].preserveHost);
  EXPECT_EQ(routes[3].hostRewrite, "[fd00::5]:8080");
}

TEST(ConfigTest, RootMustBeAnObjectWithServicesAndRoutes) {
  ConfigLoad load = parseConfig("[1, 2]");
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_EQ(load.errors.list()[0].path, "");
  EXPECT_EQ(load.errors.list()[0].message, "expected an object, got array");

  load = parseConfig("{}");
  EXPECT_EQ(errorLines(load), (std::vector<std::string>{"/services: required field is missing",
                                                        "/routes: required field is missing"}));
}

TEST(ConfigTest, InvalidJsonGivesLineAndColumn) {
  ConfigLoad load = parseConfig("{\n  \"services\": [\n    {\"name\": \"x\",}\n  ]\n}");
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_EQ(load.errors.list()[0].path, "");
  EXPECT_EQ(load.errors.list()[0].message,
            "invalid JSON at line 3, column 18: syntax error while parsing object key - unexpected '}'; "
            "expected string literal");
  EXPECT_FALSE(load.ok());

  // nlohmann quotes the input, which may itself contain ": "; the message stays whole.
  load = parseConfig("{\n  \"routes\": tru,\n}");
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_EQ(load.errors.list()[0].message,
            "invalid JSON at line 2, column 16: syntax error while parsing value - invalid literal; "
            "last read: '\"routes\": tru,'");

  load = parseConfig("");
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_EQ(load.errors.list()[0].message,
            "invalid JSON at line 1, column 1: syntax error while parsing value - unexpected end of input; "
            "expected '[', '{', or a literal");
}

TEST(ConfigTest, BasePathPrefixesEveryError) {
  json doc = goodConfig();
  set(doc, "/routes/2/service", "ordrs");
  const ConfigLoad load = loadConfigJson(doc, "/gateway");
  EXPECT_EQ(errorLines(load),
            (std::vector<std::string>{R"(/gateway/routes/2/service: unknown service "ordrs" (did you mean "orders"?))"}));
}

TEST(ConfigTest, KeysWithSlashesAreEscapedInPaths) {
  json doc = goodConfig();
  set(doc, "/rate_limits/tiers/a~1b", {{"algorithm", "gcra"}, {"rate", 1}});  // tier named "a/b"
  const ConfigLoad load = loadConfigJson(doc);
  EXPECT_EQ(errorLines(load), (std::vector<std::string>{"/rate_limits/tiers/a~1b/burst: required field is missing"}));
}

TEST(ConfigTest, MissingFileIsOneError) {
  const ConfigLoad load = loadConfigFile("/nonexistent/gateway.json");
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_EQ(load.errors.list()[0].str(), R"(/: cannot open "/nonexistent/gateway.json")");
}

}  // namespace
}  // namespace gateway

namespace gateway {
namespace {

// The configs shipped inside scenario files must stay valid as validation grows stricter.
TEST(ConfigTest, ShippedScenarioConfigsLoad) {
  int checked = 0;
  for (const char* dir : {"/scenarios", "/bench/scenarios"}) {
    const std::filesystem::path root = std::filesystem::path(GATEWAY_SOURCE_DIR).concat(dir);
    if (!std::filesystem::exists(root)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(root)) {
      if (entry.path().extension() != ".json") continue;
      std::string text, why;
      ASSERT_TRUE(readTextFile(entry.path().string(), text, why)) << why;
      const auto doc = nlohmann::json::parse(text, nullptr, false);
      ASSERT_FALSE(doc.is_discarded()) << entry.path();
      if (!doc.contains("gateway") || !doc["gateway"].is_object()) continue;
      const ConfigLoad load = loadConfigJson(doc["gateway"], "/gateway");
      EXPECT_TRUE(load.ok()) << entry.path() << "\n" << load.errors.text();
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace gateway
