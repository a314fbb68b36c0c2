// The per-route "response_headers" stage through a Gateway with the standard stages: remove,
// add (replaces) and append (adds beside) on upstream responses and on the gateway's own
// answers for the route (a 429 from a rate limit, a 502), RateLimit headers removable, routes
// without rules untouched; and the loader's errors, each at its JSON path.
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "libgateway/pipeline/stage_list.h"
#include "test_support.h"

namespace gateway {
namespace {

using testing::GatewayHarness;
using testing::makeRequest;

nlohmann::json headersConfig() {
  return nlohmann::json::parse(R"({
    "services": [{"name": "svc", "instances": ["10.0.0.1:80"], "timeout_ms": 1000}],
    "routes": [
      {"name": "rules", "match": {"prefix": "/rules"}, "service": "svc",
       "response_headers": {"remove": ["Server", "X-Powered-By"],
                            "add": {"X-Frame-Options": "DENY", "Cache-Control": "no-store"},
                            "append": {"Vary": "Origin"}}},
      {"name": "plain", "match": {"prefix": "/plain"}, "service": "svc"},
      {"name": "limited", "match": {"prefix": "/limited"}, "service": "svc", "rate_limit": {"policies": ["one"]},
       "response_headers": {"remove": ["RateLimit", "RateLimit-Policy"], "add": {"X-Route": "limited"}}},
      {"name": "limited-plain", "match": {"prefix": "/counted"}, "service": "svc", "rate_limit": {"policies": ["one"]}}
    ],
    "rate_limits": {"policies": {"one": {"algorithm": "fixed_window", "limit": 1, "window_ms": 60000}}}
  })");
}

struct ResponseHeadersHarness : GatewayHarness {
  ResponseHeadersHarness() : GatewayHarness(testing::mustLoad(headersConfig())) { installStandardStages(gateway, shared, env); }
  // Sends a request; if it reaches the transport, answers with `status` and `headers`.
  Response call(const std::string& target, Headers upstreamHeaders = {}, int status = 200) {
    auto slot = start(makeRequest("GET", target));
    if (!slot->has_value() && !transport.sends.empty()) transport.respond(status, "body", std::move(upstreamHeaders));
    runDue();
    EXPECT_TRUE(slot->has_value());
    return slot->value_or(Response{});
  }
};

Headers upstreamHeaders() {
  return Headers{{"server", "nginx"}, {"X-Powered-By", "php"},    {"Cache-Control", "max-age=60"},
                 {"Vary", "Accept"},  {"X-Frame-Options", "SAMEORIGIN"}, {"X-Other", "kept"}};
}

std::vector<std::string> all(const Response& r, std::string_view name) {
  std::vector<std::string> out;
  for (auto v : r.headers.all(name)) out.emplace_back(v);
  return out;
}

TEST(ResponseHeadersStage, RemovesAddsAndAppendsOnUpstreamResponses) {
  ResponseHeadersHarness h;
  const Response r = h.call("/rules/1", upstreamHeaders());
  EXPECT_EQ(r.status, 200);
  EXPECT_FALSE(r.headers.has("Server")) << "removal ignores case";
  EXPECT_FALSE(r.headers.has("X-Powered-By"));
  EXPECT_EQ(all(r, "X-Frame-Options"), std::vector<std::string>{"DENY"}) << "add replaces";
  EXPECT_EQ(all(r, "Cache-Control"), std::vector<std::string>{"no-store"});
  EXPECT_EQ(all(r, "Vary"), (std::vector<std::string>{"Accept", "Origin"})) << "append adds beside";
  EXPECT_EQ(r.headers.get("X-Other"), "kept");
  EXPECT_EQ(r.body, "body");

  // With none of the fields upstream, add and append still set theirs.
  const Response bare = h.call("/rules/2");
  EXPECT_EQ(bare.headers.get("X-Frame-Options"), "DENY");
  EXPECT_EQ(all(bare, "Vary"), std::vector<std::string>{"Origin"});
}

TEST(ResponseHeadersStage, RoutesWithoutRulesAreUntouched) {
  ResponseHeadersHarness h;
  const Response r = h.call("/plain", upstreamHeaders());
  EXPECT_EQ(r.headers.get("server"), "nginx");
  EXPECT_EQ(r.headers.get("x-powered-by"), "php");
  EXPECT_EQ(all(r, "X-Frame-Options"), std::vector<std::string>{"SAMEORIGIN"});
  EXPECT_EQ(all(r, "Cache-Control"), std::vector<std::string>{"max-age=60"});
  EXPECT_EQ(all(r, "Vary"), std::vector<std::string>{"Accept"});
}

TEST(ResponseHeadersStage, RulesApplyToTheGatewaysOwn502) {
  ResponseHeadersHarness h;
  h.faults.add(FaultRule::refuse("svc"));
  const Response r = h.call("/rules/x");
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"]["code"], "upstream_connect_error");
  EXPECT_EQ(r.headers.get("X-Frame-Options"), "DENY");
  EXPECT_EQ(r.headers.get("Cache-Control"), "no-store");
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
}

TEST(ResponseHeadersStage, RulesApplyToA429AndCanRemoveTheRateLimitHeaders) {
  ResponseHeadersHarness h;
  // The same policy on a route without rules shows the headers the stage removes.
  const Response counted = h.call("/counted");
  EXPECT_EQ(counted.status, 200);
  EXPECT_TRUE(counted.headers.has("RateLimit"));
  EXPECT_TRUE(counted.headers.has("RateLimit-Policy"));

  const Response allowed = h.call("/limited");
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(allowed.headers.get("X-Route"), "limited");
  EXPECT_FALSE(allowed.headers.has("RateLimit"));
  EXPECT_FALSE(allowed.headers.has("RateLimit-Policy"));

  const Response denied = h.call("/limited");
  EXPECT_EQ(denied.status, 429);
  EXPECT_EQ(denied.headers.get("X-Route"), "limited");
  EXPECT_FALSE(denied.headers.has("RateLimit"));
  EXPECT_FALSE(denied.headers.has("RateLimit-Policy"));
  const Response deniedPlain = h.call("/counted");
  EXPECT_EQ(deniedPlain.status, 429);
  EXPECT_TRUE(deniedPlain.headers.has("RateLimit"));
  EXPECT_FALSE(denied.headers.get("Retry-After").empty()) << "fields the rules do not name stay";
  EXPECT_EQ(denied.headers.get("Retry-After"), deniedPlain.headers.get("Retry-After"));
  EXPECT_EQ(h.transport.total, 2u);
}

// Loads a one-route config whose "response_headers" is `value`; returns every error line.
std::string loadErrors(const nlohmann::json& value) {
  nlohmann::json doc = {{"services", {{{"name", "svc"}, {"instances", {"10.0.0.1:80"}}}}},
                        {"routes", {{{"name", "r"}, {"match", {{"prefix", "/"}}}, {"service", "svc"},
                                     {"response_headers", value}}}}};
  ConfigLoad load = loadConfigJson(doc);
  EXPECT_FALSE(load.ok()) << "accepted: " << value.dump();
  return load.errors.text();
}

TEST(ResponseHeadersConfig, ErrorsNameTheFieldAtItsPath) {
  const std::vector<std::pair<nlohmann::json, std::string>> cases = {
      {{{"add", {{"Bad Name", "x"}}}}, "/routes/0/response_headers/add/Bad Name: \"Bad Name\" is not a valid header name"},
      {{{"remove", {"X-Ok", "bad:name"}}}, "/routes/0/response_headers/remove/1: \"bad:name\" is not a valid header name"},
      {{{"add", {{"X-Inject", "a\r\nSet-Cookie: x"}}}},
       "/routes/0/response_headers/add/X-Inject: the value contains a control character (CR, LF, NUL, ...)"},
      {{{"append", {{"X-Nul", std::string("a\0b", 3)}}}},
       "/routes/0/response_headers/append/X-Nul: the value contains a control character (CR, LF, NUL, ...)"},
      {{{"add", {{"Content-Length", "5"}}}},
       "/routes/0/response_headers/add/Content-Length: Content-Length is set by the gateway (framing and connection "
       "fields cannot be changed)"},
      {{{"remove", {"Transfer-Encoding"}}},
       "/routes/0/response_headers/remove/0: Transfer-Encoding is set by the gateway"},
      {{{"append", {{"connection", "close"}}}}, "/routes/0/response_headers/append/connection: connection is set by the gateway"},
      {{{"remove", {"X-Dup"}}, {"add", {{"x-dup", "1"}}}},
       "/routes/0/response_headers/add/x-dup: x-dup appears in more than one of remove, add and append"},
      {{{"add", {{"X-Num", 5}}}}, "/routes/0/response_headers/add/X-Num: expected a string value, got integer"},
      {{{"ad", {{"X-A", "1"}}}}, "/routes/0/response_headers/ad: unknown field (did you mean \"add\"?)"},
      {nlohmann::json::object(), "/routes/0/response_headers: give at least one of \"remove\", \"add\" or \"append\""},
      {"DENY", "/routes/0/response_headers: expected an object, got string"},
      {{{"remove", "Server"}}, "/routes/0/response_headers/remove: expected an array"},
  };
  for (const auto& [value, want] : cases) {
    const std::string text = loadErrors(value);
    EXPECT_NE(text.find(want), std::string::npos) << "for " << value.dump() << "\nwant: " << want << "\ngot:\n" << text;
  }
}

TEST(ResponseHeadersConfig, ValidRulesLoadAndEveryErrorOfOneRouteIsReported) {
  nlohmann::json good = headersConfig();
  EXPECT_TRUE(loadConfigJson(good).ok());
  const std::string text = loadErrors({{"remove", {"Server", "Keep-Alive"}}, {"add", {{"Upgrade", "h2"}, {"X-Ok", "1"}}}});
  EXPECT_NE(text.find("/routes/0/response_headers/remove/1: Keep-Alive is set by the gateway"), std::string::npos) << text;
  EXPECT_NE(text.find("/routes/0/response_headers/add/Upgrade: Upgrade is set by the gateway"), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2) << "one line per error:\n" << text;
}

}  // namespace
}  // namespace gateway
