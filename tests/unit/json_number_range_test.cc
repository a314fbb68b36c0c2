// A number too large for a double in a config or scenario file (found by
// tests/fuzz/fuzz_config): nlohmann throws out_of_range (406) for it, not parse_error, and
// parseJsonText let it escape, so `gatewayd --config` and `gwsim run` ended on an uncaught
// exception instead of an error naming the number and where it is.
#include <gtest/gtest.h>

#include "libgateway/config/config_loader.h"
#include "libgateway/config/json_reader.h"

namespace gateway {
namespace {

TEST(JsonNumberRange, NumberTooLargeIsAnErrorAtItsPlace) {
  FieldErrors errors;
  std::optional<nlohmann::json> doc;
  EXPECT_NO_THROW(doc = parseJsonText("{\n  \"routes\": [],\n  \"x\": 2e308\n}", errors));
  EXPECT_FALSE(doc);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors.list()[0].path, "");
  EXPECT_EQ(errors.list()[0].message, "invalid JSON at line 3, column 8: the number 2e308 is out of range");
}

TEST(JsonNumberRange, ConfigWithAHugeNumberIsRefusedNotThrown) {
  ConfigLoad load;
  EXPECT_NO_THROW(load = parseConfig(R"({"services": [{"name": "a", "instances": ["10.0.0.1:80"], "timeout_ms": -1e999}]})"));
  EXPECT_FALSE(load.ok());
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_NE(load.errors.list()[0].message.find("-1e999 is out of range"), std::string::npos) << load.errors.text();
}

TEST(JsonNumberRange, SyntaxErrorsStillNameLineAndColumn) {
  FieldErrors errors;
  EXPECT_FALSE(parseJsonText("{\n  \"a\": [1,\n}", errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors.list()[0].message.rfind("invalid JSON at line 3, column 1: ", 0), 0u) << errors.text();
}

}  // namespace
}  // namespace gateway
