// Fixtures of the response-cache tests: a config with one cached route ("items", prefix
// /items) and an API-key consumer pair, a GatewayHarness with the standard stages, and
// entries made by hand for the store tests. Test-only; single-threaded.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "libgateway/cache/cache_policy.h"
#include "libgateway/cache/cache_registry.h"
#include "libgateway/pipeline/stage_list.h"
#include "test_support.h"

namespace gateway::testing {

// Services svc (10.0.0.1:80), routes "items" (/items, cached with `cache`), "open" (/open,
// no cache) and "members" (/members: API keys required, cached with `cache`); consumers
// alice (key alice-key-1) and bob (key bob-key-1).
inline nlohmann::json cacheConfigJson(const nlohmann::json& cache) {
  using nlohmann::json;
  return json{{"services", json::array({{{"name", "svc"},
                                          {"instances", json::array({{{"id", "s1"}, {"address", "10.0.0.1:80"}}})},
                                          {"timeout_ms", 1000}}})},
              {"consumers", json::array({{{"id", "alice"}, {"api_keys", json::array({"alice-key-1"})}},
                                         {{"id", "bob"}, {"api_keys", json::array({"bob-key-1"})}}})},
              {"auth", {{"api_key_header", "X-Key"}}},
              {"routes", json::array({{{"name", "items"}, {"match", {{"prefix", "/items"}}}, {"service", "svc"}, {"cache", cache}},
                                      {{"name", "open"}, {"match", {{"prefix", "/open"}}}, {"service", "svc"}},
                                      {{"name", "members"},
                                       {"match", {{"prefix", "/members"}}},
                                       {"service", "svc"},
                                       {"auth", {{"methods", json::array({"api_key"})}}},
                                       {"cache", cache}}})}};
}

// A GatewayHarness with the standard stages (so the cache stage at its place in the list).
class CacheHarness : public GatewayHarness {
 public:
  explicit CacheHarness(const nlohmann::json& cache = nlohmann::json::object())
      : GatewayHarness(mustLoad(cacheConfigJson(cache))) {
    installStandardStages(gateway, shared, env);
  }
  // CacheHarness h({{"ttl_s", 60}}): the settings as a JSON object literal.
  explicit CacheHarness(nlohmann::json::initializer_list_t cache) : CacheHarness(nlohmann::json(cache)) {}

  std::shared_ptr<RouteCache> routeCache(const std::string& route = "items") {
    auto registry = shared.findStageShared<CacheRegistry>("cache");
    return registry ? registry->find(route) : nullptr;
  }
  // Answers the oldest upstream send with a cacheable JSON answer.
  void respondJson(const std::string& body, Headers extra = {}) {
    extra.add("Content-Type", "application/json");
    transport.respond(200, body, std::move(extra));
  }
};

inline std::string cacheStatus(const std::shared_ptr<std::optional<Response>>& slot) {
  return slot->has_value() ? std::string((*slot)->headers.get("x-cache")) : std::string("(no answer)");
}

// An entry of `bodyBytes` bytes for path `path`, fresh for 60 s from `now`.
inline std::shared_ptr<CachedResponse> handMadeEntry(const std::string& path, std::size_t bodyBytes, TimePoint now = 0,
                                                     VaryCapture vary = {}) {
  Response r;
  r.body.assign(bodyBytes, 'x');
  StoreDecision d;
  d.store = true;
  d.lifetime = seconds(60);
  return makeCachedResponse(r, d, path, std::move(vary), now, path.size());
}

}  // namespace gateway::testing
