// Route path parsing, request path segmentation and rewrite templates.
#include "libgateway/routing/path_template.h"

#include <gtest/gtest.h>

namespace gateway {
namespace {

std::vector<std::string> segments(std::string_view path) {
  std::vector<std::string> out;
  forEachSegment(path, [&](std::string_view s) { out.emplace_back(s); });
  return out;
}

std::string describe(const ParsedPath& p) {
  std::string out;
  for (const auto& s : p.segments) out += "/" + (s.isParam ? "{" + s.text + "}" : s.text);
  if (p.trailingSlash) out += "/";
  return out;
}

TEST(ParsePathTest, ValidPaths) {
  EXPECT_EQ(describe(parsePath("/", false)), "");
  EXPECT_TRUE(parsePath("/", false).ok());
  EXPECT_EQ(describe(parsePath("/users/{id}/orders/{order-id}", true)), "/users/{id}/orders/{order-id}");
  const ParsedPath p = parsePath("/users/", false);
  EXPECT_TRUE(p.trailingSlash);
  ASSERT_EQ(p.segments.size(), 1u);
  EXPECT_EQ(p.segments[0].text, "users");
  EXPECT_FALSE(parsePath("/users", false).trailingSlash);
}

TEST(ParsePathTest, ErrorsAreSpecific) {
  EXPECT_EQ(parsePath("", false).error, "must start with '/'");
  EXPECT_EQ(parsePath("users", false).error, "must start with '/'");
  EXPECT_EQ(parsePath("/a?b=1", false).error, "must not contain '?' or '#'");
  EXPECT_EQ(parsePath("/a#frag", false).error, "must not contain '?' or '#'");
  EXPECT_EQ(parsePath("/a//b", false).error, "empty segment (\"//\")");
  EXPECT_EQ(parsePath("/users/{id}", false).error, "parameters like \"{id}\" need a template match");
  EXPECT_EQ(parsePath("/users/x{id}", true).error,
            "segment \"x{id}\": a parameter must be a whole segment like {name}");
  EXPECT_EQ(parsePath("/users/{id", true).error, "segment \"{id\": a parameter must be a whole segment like {name}");
  EXPECT_EQ(parsePath("/users/{}", true).error, "segment \"{}\": parameter names use letters, digits, '_' and '-'");
  EXPECT_EQ(parsePath("/users/{a.b}", true).error,
            "segment \"{a.b}\": parameter names use letters, digits, '_' and '-'");
  EXPECT_EQ(parsePath("/{id}/x/{id}", true).error, "parameter \"id\" appears twice");
}

TEST(ForEachSegmentTest, SplitsOnSlashKeepingEmptySegments) {
  EXPECT_TRUE(segments("/").empty());
  EXPECT_TRUE(segments("").empty());
  EXPECT_EQ(segments("/a/b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(segments("/a/b/"), (std::vector<std::string>{"a", "b", ""}));
  EXPECT_EQ(segments("/a//b"), (std::vector<std::string>{"a", "", "b"}));
}

TEST(RewriteTemplateTest, ParseErrors) {
  std::string why;
  RewriteTemplate::parse("v2/users", why);
  EXPECT_EQ(why, "must start with '/' or \"{*}\"");
  RewriteTemplate::parse("/v2/{id", why);
  EXPECT_EQ(why, "unclosed '{' at offset 4");
  RewriteTemplate::parse("/v2/id}", why);
  EXPECT_EQ(why, "unmatched '}' at offset 6");
  RewriteTemplate::parse("/v2/{a b}", why);
  EXPECT_EQ(why, "bad placeholder \"{a b}\"");
  RewriteTemplate::parse("/v2/{id}?x=1", why);
  EXPECT_EQ(why, "must not contain '?' or '#' (the query is forwarded as received)");
  RewriteTemplate::parse("/v2/{id}", why);
  EXPECT_EQ(why, "");
}

TEST(RewriteTemplateTest, NamesAndExpansion) {
  std::string why;
  const auto t = RewriteTemplate::parse("/v2/accounts/{user}/items/{item}.json", why);
  ASSERT_EQ(why, "");
  EXPECT_EQ(t.names(), (std::vector<std::string>{"user", "item"}));
  EXPECT_EQ(t.expand({{"item", "7"}, {"user", "alice"}}, ""), "/v2/accounts/alice/items/7.json");

  const auto rest = RewriteTemplate::parse("/internal/{*}", why);
  ASSERT_EQ(why, "");
  EXPECT_EQ(rest.names(), (std::vector<std::string>{"*"}));
  // The '/' that ends the literal and the one that starts the rest are not doubled.
  EXPECT_EQ(rest.expand({}, "/a/b"), "/internal/a/b");
  EXPECT_EQ(rest.expand({}, ""), "/internal/");

  const auto bare = RewriteTemplate::parse("{*}", why);
  ASSERT_EQ(why, "");
  EXPECT_EQ(bare.expand({}, "/x"), "/x");
  EXPECT_EQ(bare.expand({}, ""), "/");  // always an absolute path
}

}  // namespace
}  // namespace gateway
