// The asterisk form of OPTIONS (found by tests/fuzz/fuzz_route): "*" is a request target
// without a leading '/', and a prefix route on "/" with strip_prefix or a rewrite computed
// the rest of the path from one byte before the target (a read outside the string, and a
// garbage byte sent upstream). "*" now has no rest and is forwarded as it is.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "libgateway/routing/route_table.h"
#include "test_support.h"

namespace gateway {
namespace {

std::shared_ptr<const Config> asteriskConfig(const nlohmann::json& route) {
  nlohmann::json r = route;
  r["name"] = "root";
  r["service"] = "svc";
  r["match"] = {{"prefix", "/"}};
  return testing::mustLoad({{"services", {{{"name", "svc"}, {"instances", {"10.0.0.1:80"}}}}}, {"routes", {r}}});
}

TEST(RouteAsterisk, StripPrefixKeepsTheAsterisk) {
  const auto config = asteriskConfig({{"strip_prefix", true}});
  const RouteTable table(config->routes);
  // The path in a buffer of its own, as a parsed request holds it.
  const auto buffer = std::make_unique<char[]>(1);
  buffer[0] = '*';
  const std::string_view path(buffer.get(), 1);
  const RouteMatch m = table.match("OPTIONS", "gw", path, {});
  ASSERT_EQ(m.kind, RouteMatch::Kind::kMatched);
  EXPECT_TRUE(m.rest.empty());
  EXPECT_EQ(table.upstreamPath(m, path), "*");
  // A path is still stripped as before.
  const RouteMatch p = table.match("GET", "gw", "/a/b", {});
  EXPECT_EQ(table.upstreamPath(p, "/a/b"), "/a/b");
}

TEST(RouteAsterisk, RewriteDoesNotApplyToTheAsterisk) {
  const auto config = asteriskConfig({{"rewrite", "/backend{*}"}});
  const RouteTable table(config->routes);
  const std::string path = "*";
  const RouteMatch m = table.match("OPTIONS", "gw", path, {});
  ASSERT_EQ(m.kind, RouteMatch::Kind::kMatched);
  EXPECT_EQ(table.upstreamPath(m, path), "*");
  const RouteMatch p = table.match("GET", "gw", "/x", {});
  EXPECT_EQ(table.upstreamPath(p, "/x"), "/backend/x");
}

}  // namespace
}  // namespace gateway
