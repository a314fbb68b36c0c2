// --vary values that are JSON objects and arrays (commas inside them do not split the list),
// and null, which removes the field: a row without a route's cache.
#include "sim/commands/variation.h"

#include <gtest/gtest.h>

namespace gwsim {
namespace {

using nlohmann::json;

TEST(VaryJsonValuesTest, CommasInsideBracketsBracesAndQuotesDoNotSplit) {
  std::string error;
  const auto v = parseVariation(R"(routes.0.cache=null,{"ttl_s":5,"coalesce":false},[1,[2,3]],"a,b",{"k":"}, {"},7)", error);
  ASSERT_TRUE(v) << error;
  ASSERT_EQ(v->values.size(), 6u);
  EXPECT_TRUE(v->values[0].is_null());
  EXPECT_EQ(v->values[1], (json{{"ttl_s", 5}, {"coalesce", false}}));
  EXPECT_EQ(v->values[2], json::parse("[1,[2,3]]"));
  EXPECT_EQ(v->values[3], "a,b");
  EXPECT_EQ(v->values[4], (json{{"k", "}, {"}}));
  EXPECT_EQ(v->values[5], 7);
  // An unbalanced value is a string up to the end, as any text that is not JSON.
  const auto open = parseVariation("x=[1,2", error);
  ASSERT_TRUE(open);
  EXPECT_EQ(open->values, std::vector<json>{"[1,2"});
}

TEST(VaryJsonValuesTest, NullRemovesTheFieldAndLabelsItUnset) {
  const json base = {{"gateway", {{"routes", {{{"name", "r"}, {"cache", {{"ttl_s", 5}}}}}}}}};
  std::string error;
  const auto plan = planVariants(base, {R"(routes.0.cache=null,{"ttl_s":5},{"ttl_s":5,"coalesce":false})"}, error);
  ASSERT_TRUE(plan) << error;
  ASSERT_EQ(plan->variants.size(), 3u);
  EXPECT_EQ(plan->variants[0].label, "unset");
  EXPECT_FALSE(plan->variants[0].document["gateway"]["routes"][0].contains("cache"));
  EXPECT_EQ(plan->variants[1].label, R"({"ttl_s":5} (as written))");
  EXPECT_TRUE(plan->variants[1].asWritten);
  EXPECT_EQ(plan->variants[2].document["gateway"]["routes"][0]["cache"]["coalesce"], false);
  // Removing what is not there changes nothing.
  json doc = base;
  ASSERT_TRUE(applyVariation(doc, "routes.0.transform", nullptr, error)) << error;
  EXPECT_EQ(doc, base);
}

}  // namespace
}  // namespace gwsim
