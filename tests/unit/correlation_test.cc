// Correlation IDs (kept when well-formed, else a UUIDv4) and W3C traceparent handling.
#include "libgateway/pipeline/correlation.h"
#include "tests/unit/test_support.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace gateway {
namespace {

const std::regex kHex16("^[0-9a-f]{16}$");
const std::regex kHex32("^[0-9a-f]{32}$");

constexpr std::string_view kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr std::string_view kSpan = "00f067aa0ba902b7";
const std::string kValid = "00-" + std::string(kTrace) + "-" + std::string(kSpan) + "-01";

TEST(CorrelationIdTest, Validity) {
  EXPECT_TRUE(validCorrelationId("abc-123"));
  EXPECT_TRUE(validCorrelationId("f47ac10b-58cc-4372-a567-0e02b2c3d479"));
  EXPECT_TRUE(validCorrelationId(std::string(128, 'x')));
  EXPECT_FALSE(validCorrelationId(std::string(129, 'x')));
  EXPECT_FALSE(validCorrelationId(""));
  EXPECT_FALSE(validCorrelationId("has space"));
  EXPECT_FALSE(validCorrelationId("tab\there"));
  EXPECT_FALSE(validCorrelationId("line\r\nX-Injected: 1"));
  EXPECT_FALSE(validCorrelationId("caf\xc3\xa9"));
  EXPECT_FALSE(validCorrelationId(std::string("nul\0x", 5)));
  EXPECT_FALSE(validCorrelationId("del\x7f"));
}

TEST(CorrelationIdTest, GeneratedIdsAreUuidV4DistinctAndSeeded) {
  Random r(5);
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    const std::string id = newCorrelationId(r);
    ASSERT_TRUE(testing::isUuidV4(id)) << id;
    ASSERT_TRUE(validCorrelationId(id));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 2000u);
  Random a(5), b(5);
  EXPECT_EQ(newCorrelationId(a), newCorrelationId(b));
}

TEST(TraceParentTest, ParsesValidHeader) {
  const auto tp = parseTraceParent(kValid);
  ASSERT_TRUE(tp);
  EXPECT_EQ(tp->traceId(), kTrace);
  EXPECT_EQ(tp->parentId(), kSpan);
  EXPECT_EQ(tp->flags(), "01");
  EXPECT_EQ(tp->str(), kValid);
  // A future version may append fields after a '-'.
  const auto future = parseTraceParent("cc-" + std::string(kTrace) + "-" + std::string(kSpan) + "-00-extra");
  ASSERT_TRUE(future);
  EXPECT_EQ(future->flags(), "00");
}

TEST(TraceParentTest, RejectsMalformedHeaders) {
  const std::string t(kTrace), s(kSpan);
  const std::vector<std::string> bad = {
      "",
      "00-" + t + "-" + s,                                  // no flags
      "00-" + t + "-" + s + "-01-extra",                    // version 00 has exactly 4 fields
      "ff-" + t + "-" + s + "-01",                          // version ff is invalid
      "0g-" + t + "-" + s + "-01",                          // non-hex version
      "00-" + std::string(32, '0') + "-" + s + "-01",       // all-zero trace id
      "00-" + t + "-" + std::string(16, '0') + "-01",       // all-zero parent id
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-" + s + "-01",   // upper-case hex
      "00-" + t + "-" + s + "-0x",                          // bad flags
      "00_" + t + "-" + s + "-01",                          // wrong separator
      "00-" + t.substr(1) + "-" + s + "-01-",               // short trace id
      "cc-" + t + "-" + s + "-01extra",                     // future version, no '-' after flags
  };
  for (const auto& h : bad) EXPECT_FALSE(parseTraceParent(h)) << h;
}

TEST(TraceParentTest, ChildKeepsTraceAndFlagsWithNewSpan) {
  Random r(8);
  const auto parent = parseTraceParent("00-" + std::string(kTrace) + "-" + std::string(kSpan) + "-00");
  std::set<std::string> spans;
  for (int i = 0; i < 100; ++i) {
    const TraceParent child = childTraceParent(parent, r);
    EXPECT_EQ(child.traceId(), kTrace);
    EXPECT_EQ(child.flags(), "00");
    EXPECT_TRUE(std::regex_match(std::string(child.parentId()), kHex16)) << child.parentId();
    EXPECT_NE(child.parentId(), kSpan);
    spans.insert(std::string(child.parentId()));
    EXPECT_TRUE(parseTraceParent(child.str()));  // what we send upstream is itself valid
  }
  EXPECT_EQ(spans.size(), 100u);
}

TEST(TraceParentTest, NoParentStartsANewSampledTrace) {
  Random r(9);
  const TraceParent a = childTraceParent(std::nullopt, r);
  const TraceParent b = childTraceParent(std::nullopt, r);
  EXPECT_TRUE(std::regex_match(std::string(a.traceId()), kHex32)) << a.traceId();
  EXPECT_TRUE(std::regex_match(std::string(a.parentId()), kHex16)) << a.parentId();
  EXPECT_EQ(a.flags(), "01");
  EXPECT_NE(a.traceId(), b.traceId());
  EXPECT_TRUE(parseTraceParent(a.str()));
}

}  // namespace
}  // namespace gateway
