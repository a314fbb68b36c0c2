// Trace parsing for `gwsim limiter`: accepted forms and errors with line numbers.
#include <gtest/gtest.h>

#include <sstream>

#include "sim/limiter/trace_parser.h"

namespace gwsim {
namespace {

Trace parse(const std::string& text, int maxErrors = 20) {
  std::istringstream in(text);
  return parseTrace(in, maxErrors);
}

TEST(LimiterTraceTest, AcceptsHeaderCommentsBlanksCostsAndCrlf) {
  const Trace t = parse(
      "# a comment\n"
      "\n"
      "t_us,key,cost\n"
      "0,alice\r\n"
      "  15 , bob , 3 \n"
      "   # indented comment\n"
      "15,10.0.0.1:443\n");
  ASSERT_TRUE(t.ok()) << t.errors[0].message;
  ASSERT_EQ(t.requests.size(), 3u);
  EXPECT_EQ(t.requests[0].key, "alice");
  EXPECT_EQ(t.requests[0].cost, 1);
  EXPECT_EQ(t.requests[0].line, 4);
  EXPECT_EQ(t.requests[1].at, 15);
  EXPECT_EQ(t.requests[1].key, "bob");
  EXPECT_EQ(t.requests[1].cost, 3);
  EXPECT_EQ(t.requests[2].key, "10.0.0.1:443");
}

TEST(LimiterTraceTest, HeaderOnlyAsTheFirstDataLine) {
  const Trace t = parse("0,a\nt_us,key\n");
  ASSERT_EQ(t.errors.size(), 1u);
  EXPECT_EQ(t.errors[0].line, 2);
}

TEST(LimiterTraceTest, ReportsEachMalformedLineWithItsNumber) {
  const Trace t = parse(
      "10,a\n"              // 1
      "abc,a\n"             // 2
      "-5,a\n"              // 3
      "20,\n"               // 4
      "20,a,0\n"            // 5
      "20,a,x\n"            // 6
      "20,a,1,9\n"          // 7
      "20\n"                // 8
      "5,a\n"               // 9
      "99999999999999999999,a\n"  // 10
      "30,b,1000000000\n");  // 11: fine
  ASSERT_EQ(t.errors.size(), 9u);
  const int lines[] = {2, 3, 4, 5, 6, 7, 8, 9, 10};
  for (int i = 0; i < 9; ++i) EXPECT_EQ(t.errors[i].line, lines[i]) << t.errors[i].message;
  EXPECT_NE(t.errors[0].message.find("\"abc\""), std::string::npos);
  EXPECT_NE(t.errors[2].message.find("empty key"), std::string::npos);
  EXPECT_NE(t.errors[3].message.find("cost \"0\""), std::string::npos);
  EXPECT_NE(t.errors[5].message.find("4 fields"), std::string::npos);
  EXPECT_NE(t.errors[6].message.find("1 field"), std::string::npos);
  EXPECT_EQ(t.errors[7].message, "time 5 is earlier than 10 on line 1; times must be non-decreasing");
  EXPECT_EQ(t.requests.size(), 2u);
  EXPECT_EQ(formatTraceError("t.csv", t.errors[0]).rfind("t.csv:2: ", 0), 0u);
}

TEST(LimiterTraceTest, StopsCollectingAfterMaxErrors) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "bad\n";
  const Trace t = parse(text, 5);
  ASSERT_EQ(t.errors.size(), 5u);
  EXPECT_NE(t.errors.back().message.find("and 45 more errors"), std::string::npos);
}

TEST(LimiterTraceTest, EmptyInputIsAnEmptyTrace) {
  const Trace t = parse("# nothing\n\n");
  EXPECT_TRUE(t.ok());
  EXPECT_TRUE(t.requests.empty());
}

}  // namespace
}  // namespace gwsim
