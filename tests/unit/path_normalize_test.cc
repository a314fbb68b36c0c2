// normalizePath / normalizeTarget: a table of inputs and the canonical path each becomes, or
// its refusal; the dot-segment examples of RFC 3986 5.2.4 and 5.4 (as merged paths); and the
// properties the Gateway relies on (idempotent, queries untouched).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "libgateway/http/path_normalize.h"

namespace gateway {
namespace {

struct Case {
  std::string in;
  std::string out;  // the normalised path; "" when refused
  std::string errorPart = {};  // for refusals: part of the message
};

std::string canonical(const PathNormalization& n, const std::string& in) { return n.changed ? n.value : in; }

void checkTable(const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    const PathNormalization n = normalizePath(c.in);
    if (c.out.empty()) {
      EXPECT_FALSE(n.ok()) << "accepted as " << canonical(n, c.in);
      EXPECT_NE(n.error.find(c.errorPart), std::string::npos) << n.error;
      continue;
    }
    ASSERT_TRUE(n.ok()) << n.error;
    EXPECT_EQ(canonical(n, c.in), c.out);
    EXPECT_EQ(n.changed, c.out != c.in);
  }
}

TEST(PathNormalize, CanonicalPathsAreLeftAlone) {
  checkTable({{"/", "/"},
              {"/users", "/users"},
              {"/users/", "/users/"},
              {"/users/42/orders", "/users/42/orders"},
              {"/a/.hidden/b..c/g.", "/a/.hidden/b..c/g."},
              {"/caf%C3%A9", "/caf%C3%A9"},
              {"/a%20b", "/a%20b"},
              {"*", "*"}});
}

TEST(PathNormalize, UnreservedEncodingsAreDecodedOthersUpperCased) {
  checkTable({{"/%61dmin", "/admin"},
              {"/%41%42c", "/ABc"},
              {"/%7Euser/%2Dx%5F%2E", "/~user/-x_."},
              {"/caf%c3%a9", "/caf%C3%A9"},
              {"/a%3fb", "/a%3Fb"},
              {"/100%25", "/100%25"}});
}

TEST(PathNormalize, SlashesAreMergedAndDotSegmentsRemoved) {
  checkTable({{"//admin", "/admin"},
              {"/a//b///c", "/a/b/c"},
              {"/a//", "/a/"},
              {"//", "/"},
              {"/./admin", "/admin"},
              {"/x/../admin", "/admin"},
              {"/a/.", "/a/"},
              {"/a/..", "/"},
              {"/.", "/"},
              {"/x/%2e%2e/admin", "/admin"},
              {"/x/.%2E/admin", "/admin"},
              {"/x/%2e/admin", "/x/admin"},
              {"/a//../b", "/b"}});
}

// RFC 3986 5.2.4's examples and 5.4's normal and abnormal examples, written as the merged
// paths they resolve (base "http://a/b/c/d;p?q", so merged paths start with "/b/c/").
TEST(PathNormalize, Rfc3986DotSegmentExamples) {
  checkTable({{"/a/b/c/./../../g", "/a/g"},
              {"/mid/content=5/../6", "/mid/6"},
              {"/b/c/g", "/b/c/g"},
              {"/b/c/./g", "/b/c/g"},
              {"/b/c/g/", "/b/c/g/"},
              {"/b/c/.", "/b/c/"},
              {"/b/c/./", "/b/c/"},
              {"/b/c/..", "/b/"},
              {"/b/c/../", "/b/"},
              {"/b/c/../g", "/b/g"},
              {"/b/c/../..", "/"},
              {"/b/c/../../", "/"},
              {"/b/c/../../g", "/g"},
              {"/b/c/g.", "/b/c/g."},
              {"/b/c/.g", "/b/c/.g"},
              {"/b/c/g..", "/b/c/g.."},
              {"/b/c/..g", "/b/c/..g"},
              {"/b/c/./../g", "/b/g"},
              {"/b/c/./g/.", "/b/c/g/"},
              {"/b/c/g/./h", "/b/c/g/h"},
              {"/b/c/g/../h", "/b/c/h"}});
  // RFC 3986 resolves these to "/g" by dropping the extra "..": the gateway refuses them.
  checkTable({{"/b/c/../../../g", "", "above the root"},
              {"/b/c/../../../../g", "", "above the root"},
              {"/../g", "", "above the root"}});
}

TEST(PathNormalize, TricksThatAreRefused) {
  checkTable({{"/..", "", "above the root"},
              {"/%2e%2e/admin", "", "above the root"},
              {"/admin%2fsecret", "", "encoded slash (%2F) at byte 6"},
              {"/admin%2Fsecret", "", "encoded slash"},
              {"/admin%5csecret", "", "encoded backslash (%5C)"},
              {"/admin\\secret", "", "backslash at byte 6"},
              {"/admin;x=1", "", "';' at byte 6"},
              {"/admin;", "", "path parameters"},
              {"/admin%3bx", "", "encoded ';'"},
              {"/admin#x", "", "'#' at byte 6"},
              {"/a%", "", "malformed percent-encoding at byte 2"},
              {"/a%4", "", "malformed percent-encoding"},
              {"/a%zz", "", "malformed percent-encoding"},
              {"/a b", "", "space (0x20) at byte 2"},
              {std::string("/a\0b", 4), "", "control character"},
              {"/a\x7f", "", "0x7F"}});
}

TEST(PathNormalize, NormalisingTwiceChangesNothing) {
  for (const std::string in : {"/%61dmin//x/../y/", "/x/%2e/a%c3%a9/.", "//a/./b/../c", "/b/c/./g/."}) {
    const PathNormalization once = normalizePath(in);
    ASSERT_TRUE(once.ok()) << in;
    const PathNormalization twice = normalizePath(canonical(once, in));
    EXPECT_TRUE(twice.ok());
    EXPECT_FALSE(twice.changed) << in << " -> " << canonical(once, in) << " -> " << twice.value;
  }
}

TEST(PathNormalize, TargetsKeepTheirQueryAsItCame) {
  const PathNormalization n = normalizeTarget("//x/../%61dmin?next=/../a%2fb&c=%41;d");
  ASSERT_TRUE(n.ok()) << n.error;
  EXPECT_EQ(n.value, "/admin?next=/../a%2fb&c=%41;d");
  EXPECT_EQ(normalizeTarget("/admin?").value, "");  // canonical: unchanged
  EXPECT_FALSE(normalizeTarget("/admin?").changed);
  EXPECT_EQ(normalizeTarget("/./admin?").value, "/admin?");
  EXPECT_FALSE(normalizeTarget("/users?q=1").changed);
}

TEST(PathNormalize, AFragmentAnywhereInTheTargetIsRefused) {
  EXPECT_NE(normalizeTarget("/admin#x").error.find("'#' at byte 6 of the request target"), std::string::npos);
  EXPECT_FALSE(normalizeTarget("/admin?a=1#x").ok());
  EXPECT_TRUE(normalizeTarget("/admin?a=%23").ok());
}

}  // namespace
}  // namespace gateway
