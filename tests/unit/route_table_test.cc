// RouteTable: precedence (host > path kind > literal segments > headers > methods > config
// order), captures, upstream paths (rewrite, strip_prefix), trailing slashes, 404 and 405.
#include "libgateway/routing/route_table.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace gateway {
namespace {

using nlohmann::json;

// A table over `routes` (all on one service "svc"), with a helper that names the outcome.
class Routes {
 public:
  explicit Routes(json routes) {
    json doc = {{"services", {{{"name", "svc"}, {"instances", {"10.0.0.1:80"}}}}}, {"routes", std::move(routes)}};
    config_ = testing::mustLoad(doc);
    if (config_) table_ = std::make_unique<RouteTable>(config_->routes);
  }

  RouteMatch match(std::string_view method, std::string_view path, std::string_view host = "",
                   const Headers& headers = {}) const {
    return table_->match(method, host, path, headers);
  }

  // The matched route's name, "404", or "405 Allow: ...".
  std::string name(std::string_view method, std::string_view path, std::string_view host = "",
                   const Headers& headers = {}) const {
    const RouteMatch m = match(method, path, host, headers);
    switch (m.kind) {
      case RouteMatch::Kind::kMatched: return config_->routes[m.routeIndex].name;
      case RouteMatch::Kind::kNotFound: return "404";
      case RouteMatch::Kind::kMethodNotAllowed: return "405 Allow: " + m.allow;
    }
    return "?";
  }

  std::string upstream(std::string_view method, std::string_view path) const {
    const RouteMatch m = match(method, path);
    EXPECT_EQ(m.kind, RouteMatch::Kind::kMatched) << path;
    if (m.kind != RouteMatch::Kind::kMatched) return "";
    return table_->upstreamPath(m, path);
  }

  const RouteTable& table() const { return *table_; }

 private:
  std::shared_ptr<const Config> config_;
  std::unique_ptr<RouteTable> table_;
};

json route(std::string name, json match, json extra = json::object()) {
  json r = {{"name", std::move(name)}, {"match", std::move(match)}, {"service", "svc"}};
  r.update(extra);
  return r;
}

TEST(RouteTableTest, ExactBeatsTemplateBeatsPrefixWhateverTheOrder) {
  const Routes t(json::array({
      route("prefix", {{"prefix", "/users"}}),
      route("template", {{"template", "/users/{id}"}}),
      route("exact", {{"path", "/users/me"}}),
  }));
  EXPECT_EQ(t.table().size(), 3u);
  EXPECT_EQ(t.name("GET", "/users/me"), "exact");
  EXPECT_EQ(t.name("GET", "/users/42"), "template");
  EXPECT_EQ(t.name("GET", "/users/42/orders"), "prefix");
  EXPECT_EQ(t.name("GET", "/users"), "prefix");  // a prefix matches its own path
  EXPECT_EQ(t.name("GET", "/usersx"), "404");    // but only at a segment boundary
  EXPECT_EQ(t.name("GET", "/"), "404");
}

TEST(RouteTableTest, MoreLiteralSegmentsWin) {
  const Routes t(json::array({
      route("two-params", {{"template", "/a/{x}/{y}"}}),
      route("one-param", {{"template", "/a/b/{y}"}}),
      route("short-prefix", {{"prefix", "/api"}}),
      route("long-prefix", {{"prefix", "/api/v1"}}),
  }));
  EXPECT_EQ(t.name("GET", "/a/b/z"), "one-param");
  EXPECT_EQ(t.name("GET", "/a/q/z"), "two-params");
  EXPECT_EQ(t.name("GET", "/api/v1/users"), "long-prefix");
  EXPECT_EQ(t.name("GET", "/api/v2/users"), "short-prefix");
  EXPECT_EQ(t.name("GET", "/api/v1"), "long-prefix");
}

TEST(RouteTableTest, SameLiteralCountLaterFirstParameterWins) {
  const Routes t(json::array({
      route("param-first", {{"template", "/{x}/b/c"}}),
      route("param-middle", {{"template", "/a/{y}/c"}}),
      route("param-last", {{"template", "/a/b/{z}"}}),
  }));
  EXPECT_EQ(t.name("GET", "/a/b/c"), "param-last");
  EXPECT_EQ(t.name("GET", "/a/q/c"), "param-middle");
  EXPECT_EQ(t.name("GET", "/z/b/c"), "param-first");
}

TEST(RouteTableTest, HostExactBeatsWildcardBeatsNone) {
  const Routes t(json::array({
      route("any", {{"prefix", "/"}}),
      route("wild", {{"prefix", "/"}, {"hosts", {"*.example.com"}}}),
      route("longer-wild", {{"prefix", "/"}, {"hosts", {"*.eu.example.com"}}}),
      route("exact", {{"prefix", "/"}, {"hosts", {"api.example.com"}}}),
  }));
  EXPECT_EQ(t.name("GET", "/x", "api.example.com"), "exact");
  EXPECT_EQ(t.name("GET", "/x", "API.Example.COM"), "exact");  // host names are case-insensitive
  EXPECT_EQ(t.name("GET", "/x", "shop.example.com"), "wild");
  EXPECT_EQ(t.name("GET", "/x", "a.b.example.com"), "wild");
  EXPECT_EQ(t.name("GET", "/x", "paris.eu.example.com"), "longer-wild");
  EXPECT_EQ(t.name("GET", "/x", "example.com"), "any");  // "*.example.com" needs a subdomain
  EXPECT_EQ(t.name("GET", "/x", "other.org"), "any");
  EXPECT_EQ(t.name("GET", "/x", ""), "any");
}

TEST(RouteTableTest, HostSpecificityDominatesPathKind) {
  const Routes t(json::array({
      route("exact-path", {{"path", "/status"}}),
      route("host-prefix", {{"prefix", "/"}, {"hosts", {"admin.example.com"}}}),
  }));
  EXPECT_EQ(t.name("GET", "/status", "admin.example.com"), "host-prefix");
  EXPECT_EQ(t.name("GET", "/status", "www.example.com"), "exact-path");
}

TEST(RouteTableTest, TheHostThatMatchedDecidesNotTheRoutesBestHost) {
  // "mixed" lists an exact host for another domain; for api.example.com it only matches by
  // wildcard, so the route naming api.example.com exactly must win although it comes later.
  const Routes t(json::array({
      route("mixed", {{"prefix", "/"}, {"hosts", {"www.other.org", "*.example.com"}}}),
      route("exact", {{"prefix", "/"}, {"hosts", {"api.example.com"}}}),
      route("longer-wild", {{"prefix", "/"}, {"hosts", {"*.eu.example.com"}}}),
  }));
  EXPECT_EQ(t.name("GET", "/", "api.example.com"), "exact");
  EXPECT_EQ(t.name("GET", "/", "x.eu.example.com"), "longer-wild");
  EXPECT_EQ(t.name("GET", "/", "www.other.org"), "mixed");
  EXPECT_EQ(t.name("GET", "/", "shop.example.com"), "mixed");
}

TEST(RouteTableTest, HeaderMatchersAreMoreSpecific) {
  const Routes t(json::array({
      route("plain", {{"prefix", "/shop"}}),
      route("canary", {{"prefix", "/shop"}, {"headers", {{"X-Canary", "1"}}}}),
      route("canary-beta", {{"prefix", "/shop"}, {"headers", {{"x-canary", "1"}, {"x-beta", true}}}}),
  }));
  EXPECT_EQ(t.name("GET", "/shop/cart"), "plain");
  EXPECT_EQ(t.name("GET", "/shop/cart", "", Headers{{"x-canary", "1"}}), "canary");
  EXPECT_EQ(t.name("GET", "/shop/cart", "", Headers{{"X-CANARY", "1"}, {"X-Beta", "anything"}}), "canary-beta");
  EXPECT_EQ(t.name("GET", "/shop/cart", "", Headers{{"x-canary", "2"}, {"x-beta", "1"}}), "plain");  // value differs
  EXPECT_EQ(t.name("GET", "/shop/cart", "", Headers{{"x-beta", "1"}}), "plain");
}

TEST(RouteTableTest, MethodListIsMoreSpecificThanAnyMethod) {
  const Routes t(json::array({
      route("any", {{"path", "/items"}}),
      route("get", {{"path", "/items"}, {"methods", {"GET", "HEAD"}}}),
  }));
  EXPECT_EQ(t.name("GET", "/items"), "get");
  EXPECT_EQ(t.name("HEAD", "/items"), "get");
  EXPECT_EQ(t.name("POST", "/items"), "any");
}

TEST(RouteTableTest, ConfigOrderBreaksRemainingTies) {
  const json a = route("a", {{"path", "/items"}, {"methods", {"GET"}}});
  const json b = route("b", {{"path", "/items"}, {"methods", {"GET", "POST"}}});
  EXPECT_EQ(Routes(json::array({a, b})).name("GET", "/items"), "a");
  EXPECT_EQ(Routes(json::array({b, a})).name("GET", "/items"), "b");
  EXPECT_EQ(Routes(json::array({a, b})).name("POST", "/items"), "b");
}

TEST(RouteTableTest, HigherRankedRouteWithWrongMethodFallsBackToLowerOne) {
  const Routes t(json::array({
      route("me", {{"path", "/users/me"}, {"methods", {"GET"}}}),
      route("users", {{"prefix", "/users"}}),
  }));
  EXPECT_EQ(t.name("GET", "/users/me"), "me");
  EXPECT_EQ(t.name("DELETE", "/users/me"), "users");
}

TEST(RouteTableTest, TemplateCaptures) {
  const Routes t(json::array({route("order", {{"template", "/users/{id}/orders/{order-id}"}})}));
  const RouteMatch m = t.match("GET", "/users/alice%40x/orders/7");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kMatched);
  ASSERT_EQ(m.captures.size(), 2u);
  EXPECT_EQ(m.captures[0].first, "id");
  EXPECT_EQ(m.captures[0].second, "alice%40x");  // raw, as in the request
  EXPECT_EQ(m.captures[1].first, "order-id");
  EXPECT_EQ(m.captures[1].second, "7");
  // A parameter never matches an empty segment or more than one segment.
  EXPECT_EQ(t.name("GET", "/users//orders/7"), "404");
  EXPECT_EQ(t.name("GET", "/users/a/b/orders/7"), "404");
}

TEST(RouteTableTest, RewritesWithParamsAndRest) {
  const Routes t(json::array({
      route("user", {{"template", "/users/{id}/orders/{order}"}}, {{"rewrite", "/v2/owners/{id}/orders/{order}"}}),
      route("legacy", {{"prefix", "/legacy"}}, {{"rewrite", "/api/v1{*}"}}),
      route("slash", {{"prefix", "/files"}}, {{"rewrite", "/storage/{*}"}}),
      route("fixed", {{"path", "/health"}}, {{"rewrite", "/internal/status"}}),
      route("plain", {{"prefix", "/plain"}}),
  }));
  EXPECT_EQ(t.upstream("GET", "/users/42/orders/7"), "/v2/owners/42/orders/7");
  EXPECT_EQ(t.upstream("GET", "/legacy/users/5"), "/api/v1/users/5");
  EXPECT_EQ(t.upstream("GET", "/legacy"), "/api/v1");
  EXPECT_EQ(t.upstream("GET", "/legacy/"), "/api/v1/");
  EXPECT_EQ(t.upstream("GET", "/files/a/b.txt"), "/storage/a/b.txt");  // no "//"
  EXPECT_EQ(t.upstream("GET", "/health"), "/internal/status");
  EXPECT_EQ(t.upstream("GET", "/plain/x/y"), "/plain/x/y");  // no rewrite: unchanged
}

TEST(RouteTableTest, StripPrefix) {
  const Routes t(json::array({
      route("orders", {{"prefix", "/api/orders"}}, {{"strip_prefix", true}}),
      route("root", {{"prefix", "/"}}, {{"strip_prefix", true}}),
  }));
  EXPECT_EQ(t.upstream("GET", "/api/orders/5/items"), "/5/items");
  EXPECT_EQ(t.upstream("GET", "/api/orders"), "/");
  EXPECT_EQ(t.upstream("GET", "/api/orders/"), "/");
  EXPECT_EQ(t.upstream("GET", "/other/x"), "/other/x");  // "/" strips nothing
  const RouteMatch m = t.match("GET", "/api/orders/5");
  EXPECT_EQ(m.rest, "/5");
}

TEST(RouteTableTest, LongPathsBeyondInlineSegments) {
  const Routes t(json::array({route("deep", {{"prefix", "/a"}}, {{"strip_prefix", true}})}));
  std::string path = "/a";
  std::string rest;
  for (int i = 0; i < 40; ++i) rest += "/s" + std::to_string(i);
  path += rest;
  EXPECT_EQ(t.upstream("GET", path), rest);
}

TEST(RouteTableTest, TrailingSlashesAreSignificantForExactAndTemplate) {
  const Routes t(json::array({
      route("users", {{"path", "/users"}}),
      route("dir", {{"path", "/docs/"}}),
      route("user", {{"template", "/users/{id}"}}),
      route("api", {{"prefix", "/api"}}),
  }));
  EXPECT_EQ(t.name("GET", "/users"), "users");
  EXPECT_EQ(t.name("GET", "/users/"), "404");  // an exact path is exact (Envoy `path`)
  EXPECT_EQ(t.name("GET", "/docs/"), "dir");
  EXPECT_EQ(t.name("GET", "/docs"), "404");
  EXPECT_EQ(t.name("GET", "/users/5/"), "404");
  EXPECT_EQ(t.name("GET", "/api/"), "api");  // a prefix matches with or without it
  EXPECT_EQ(t.name("GET", "/api"), "api");
  EXPECT_EQ(t.name("GET", "/apix"), "404");
}

TEST(RouteTableTest, NotFoundAndMethodNotAllowedWithAllow) {
  const Routes t(json::array({
      route("read", {{"path", "/items"}, {"methods", {"GET", "HEAD"}}}),
      route("write", {{"path", "/items"}, {"methods", {"POST"}}}),
      route("admin", {{"prefix", "/items"}, {"methods", {"DELETE"}}, {"hosts", {"admin.example.com"}}}),
      route("nested", {{"prefix", "/items"}, {"methods", {"PUT"}}, {"headers", {{"x-admin", true}}}}),
  }));
  EXPECT_EQ(t.name("GET", "/items"), "read");
  EXPECT_EQ(t.name("POST", "/items"), "write");
  // Allow lists every method some route for this host, path and headers would take, sorted.
  EXPECT_EQ(t.name("PATCH", "/items"), "405 Allow: GET, HEAD, POST");
  EXPECT_EQ(t.name("PATCH", "/items", "admin.example.com"), "405 Allow: DELETE, GET, HEAD, POST");
  EXPECT_EQ(t.name("PATCH", "/items", "", Headers{{"X-Admin", "1"}}), "405 Allow: GET, HEAD, POST, PUT");
  EXPECT_EQ(t.name("PATCH", "/items/1"), "404");  // nothing for this path on this host
  EXPECT_EQ(t.name("DELETE", "/items/1", "admin.example.com"), "admin");
  EXPECT_EQ(t.name("GET", "/nothing"), "404");
}

}  // namespace
}  // namespace gateway
