// gwload's --expect thresholds: good expressions in their spellings, bad ones refused with a
// message naming the bad part, and the comparison of each operator.
#include "tools/gwload/threshold.h"

#include <gtest/gtest.h>

namespace gwload {
namespace {

Threshold parsed(const std::string& text) {
  std::string error;
  auto t = parseThreshold(text, error);
  EXPECT_TRUE(t) << text << ": " << error;
  return t.value_or(Threshold{});
}

std::string refusal(const std::string& text) {
  std::string error;
  auto t = parseThreshold(text, error);
  EXPECT_FALSE(t) << text;
  return error;
}

TEST(GwloadThresholdTest, ParsesEveryOperatorAndSpacing) {
  Threshold t = parsed("p99_ms < 50");
  EXPECT_EQ(t.metric, "p99_ms");
  EXPECT_EQ(t.op, Op::kLess);
  EXPECT_EQ(t.value, 50);
  EXPECT_EQ(t.expression, "p99_ms < 50");
  EXPECT_EQ(parsed("  error_rate<=0.01 ").op, Op::kLessEqual);
  EXPECT_EQ(parsed("  error_rate<=0.01 ").expression, "error_rate<=0.01");
  EXPECT_EQ(parsed("rate>=999.5").value, 999.5);
  EXPECT_EQ(parsed("count > 1e3").value, 1000);
  EXPECT_EQ(parsed("status_5xx == 0").op, Op::kEqual);
  EXPECT_EQ(parsed("uncorrected_p99_9_ms\t<\t-2.5E-1").value, -0.25);
  EXPECT_EQ(parsed("max_ms >.5").value, 0.5);
}

TEST(GwloadThresholdTest, HoldsComparesAsWritten) {
  EXPECT_TRUE(parsed("p99_ms < 50").holds(49.9));
  EXPECT_FALSE(parsed("p99_ms < 50").holds(50));
  EXPECT_TRUE(parsed("p99_ms <= 50").holds(50));
  EXPECT_TRUE(parsed("rate > 10").holds(10.5));
  EXPECT_FALSE(parsed("rate > 10").holds(10));
  EXPECT_TRUE(parsed("rate >= 10").holds(10));
  EXPECT_TRUE(parsed("status_5xx == 0").holds(0));
  EXPECT_FALSE(parsed("status_5xx == 0").holds(1));
}

TEST(GwloadThresholdTest, RefusalsNameTheBadPart) {
  EXPECT_EQ(refusal("   "), "empty expression: expected METRIC OP NUMBER, e.g. 'p99_ms < 50'");
  EXPECT_NE(refusal("p98_ms < 5").find("unknown metric \"p98_ms\" in \"p98_ms < 5\" (known: p50_ms, "), std::string::npos);
  EXPECT_EQ(refusal("< 5"), "expression \"< 5\" does not start with a metric name (e.g. 'p99_ms < 50')");
  EXPECT_EQ(refusal("p99_ms"), "expected an operator (<, <=, >, >=, ==) after \"p99_ms\" in \"p99_ms\", got nothing");
  EXPECT_EQ(refusal("p99_ms = 5"),
            "expected an operator (<, <=, >, >=, ==) after \"p99_ms\" in \"p99_ms = 5\", got \"= 5\"");
  EXPECT_EQ(refusal("p99_ms <"), "expected a number after \"<\" in \"p99_ms <\"");
  EXPECT_EQ(refusal("p99_ms < 50ms"), "\"50ms\" in \"p99_ms < 50ms\" is not a number (e.g. 50, 0.5, 1e3)");
  EXPECT_EQ(refusal("p99_ms < 5 5"), "\"5 5\" in \"p99_ms < 5 5\" is not a number (e.g. 50, 0.5, 1e3)");
  EXPECT_NE(refusal("p99_ms < 1e999").find("is not a number"), std::string::npos);  // not finite
  EXPECT_NE(refusal("p99_ms < 1e").find("is not a number"), std::string::npos);
  EXPECT_NE(refusal("p99_ms < .").find("is not a number"), std::string::npos);
  EXPECT_NE(refusal("p99_ms << 5").find("is not a number"), std::string::npos);
}

TEST(GwloadThresholdTest, EveryKnownMetricParses) {
  ASSERT_GE(knownMetrics().size(), 20u);
  for (const auto& m : knownMetrics()) {
    EXPECT_TRUE(isKnownMetric(m.name));
    EXPECT_FALSE(m.meaning.empty()) << m.name;
    parsed(std::string(m.name) + " >= 0");
  }
  EXPECT_FALSE(isKnownMetric("p99"));
}

}  // namespace
}  // namespace gwload
