// The one JSON string escaper (error bodies, 429 bodies, access-log lines).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "libgateway/http/json_escape.h"

namespace gateway {
namespace {

std::string jsonQuoted(std::string_view s) {
  std::string out;
  appendJsonString(out, s);
  return out;
}

TEST(JsonEscape, PlainTextPassesThroughInOneRun) {
  EXPECT_EQ(jsonQuoted("rate limit free exceeded, retry later"), "\"rate limit free exceeded, retry later\"");
  EXPECT_EQ(jsonQuoted(""), "\"\"");
}

TEST(JsonEscape, QuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(jsonQuoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(jsonQuoted(std::string("x\n\t\x01\x7f", 5)), "\"x\\u000a\\u0009\\u0001\\u007f\"");
}

TEST(JsonEscape, ValidUtf8StaysInvalidBytesAreEscaped) {
  EXPECT_EQ(jsonQuoted("caf\xc3\xa9 \xe2\x82\xac"), "\"caf\xc3\xa9 \xe2\x82\xac\"");
  EXPECT_EQ(jsonQuoted("bad\xff\xc3"), "\"bad\\u00ff\\u00c3\"");
}

TEST(JsonEscape, OutputAlwaysParsesBackToTheValidText) {
  // Long inputs cross the eight-byte fast path at every offset.
  for (std::size_t pad = 0; pad < 9; ++pad) {
    const std::string s = std::string(pad, 'a') + "q\"uote\\ and \n newline " + std::string(17, 'z');
    EXPECT_EQ(nlohmann::json::parse(jsonQuoted(s)).get<std::string>(), s) << pad;
  }
}

}  // namespace
}  // namespace gateway
