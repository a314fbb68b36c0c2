// The rows of `gwsim compare`: the cartesian product of the --vary lists, the scenario as
// written beside them (once), and the --vary mistakes that are refused before anything runs.
#include <gtest/gtest.h>

#include "sim/commands/variation.h"

namespace gwsim {
namespace {

using nlohmann::json;

const json kBase = {{"seed", 1}, {"gateway", {{"routes", {{{"name", "r"}, {"timeout_ms", 100}}}}}}};

std::vector<std::string> labels(const VariantPlan& plan) {
  std::vector<std::string> out;
  for (const auto& v : plan.variants) out.push_back(v.label + (v.asWritten ? " *" : ""));
  return out;
}

TEST(VariantPlan, TheScenarioAsWrittenIsAlwaysARow) {
  std::string error;
  auto plan = planVariants(kBase, {}, error);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(plan->header, "variant");
  EXPECT_EQ(labels(*plan), (std::vector<std::string>{"as written *"}));

  plan = planVariants(kBase, {"routes.0.timeout_ms=200"}, error);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(plan->header, "routes.0.timeout_ms");
  EXPECT_EQ(labels(*plan), (std::vector<std::string>{"100 (as written) *", "200"}));
  EXPECT_EQ(plan->variants[0].document, kBase);
  EXPECT_EQ(plan->variants[1].document["gateway"]["routes"][0]["timeout_ms"], 200);

  // A value equal to the written one (100.0 == 100) is that row, in its place.
  plan = planVariants(kBase, {"routes.0.timeout_ms=50,100.0"}, error);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(labels(*plan), (std::vector<std::string>{"50", "100.0 (as written) *"}));

  plan = planVariants(kBase, {"scenario.seed=1,2", "routes.0.timeout_ms=100,300"}, error);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(labels(*plan), (std::vector<std::string>{"seed=1 timeout_ms=100 (as written) *", "seed=1 timeout_ms=300",
                                                     "seed=2 timeout_ms=100", "seed=2 timeout_ms=300"}));

  // A path the scenario does not set: its row says so.
  plan = planVariants(kBase, {"routes.0.strip_prefix=true"}, error);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(labels(*plan), (std::vector<std::string>{"unset (as written) *", "true"}));
}

TEST(VariantPlan, PathsEndingAlikeAreLabelledInFull) {
  const json base = {{"gateway", {{"a", {{"rate", 1}}}, {"b", {{"rate", 2}}}}}};
  std::string error;
  auto plan = planVariants(base, {"a.rate=1", "b.rate=3"}, error);
  ASSERT_TRUE(plan) << error;
  EXPECT_EQ(labels(*plan), (std::vector<std::string>{"a.rate=1 b.rate=2 (as written) *", "a.rate=1 b.rate=3"}));
}

TEST(VariantPlan, MistakesAreRefused) {
  std::string error;
  EXPECT_FALSE(planVariants(kBase, {"scenario.seed=1,2", "routes.0.timeout_ms=5", "scenario.seed=3"}, error));
  EXPECT_EQ(error, "--vary scenario.seed given twice; give its values once: --vary scenario.seed=1,2,3");
  EXPECT_FALSE(planVariants(kBase, {"scenario.seed=2,2.0"}, error));
  EXPECT_EQ(error, "--vary scenario.seed=2,2.0: the value 2 is given twice");
  EXPECT_FALSE(planVariants(kBase, {"scenario.seed"}, error));
  EXPECT_EQ(error, "\"scenario.seed\": expected PATH=V1,V2,...");
  EXPECT_FALSE(planVariants(kBase, {"routes.x.timeout_ms=1"}, error));
  EXPECT_EQ(error, "--vary \"routes.x.timeout_ms\": x is not an index of the array at routes.x");
}

TEST(VariantPlan, ValueAtReadsWhatApplyVariationWrites) {
  json doc = kBase;
  std::string error;
  ASSERT_TRUE(applyVariation(doc, "routes.0.timeout_ms", 7, error)) << error;
  EXPECT_EQ(valueAt(doc, "routes.0.timeout_ms"), json(7));
  EXPECT_EQ(valueAt(doc, "scenario.seed"), json(1));
  EXPECT_FALSE(valueAt(doc, "routes.1.timeout_ms"));
  EXPECT_FALSE(valueAt(doc, "routes.0.nothing"));
}

}  // namespace
}  // namespace gwsim
