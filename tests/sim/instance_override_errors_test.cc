// Errors in an instance override (found by tests/fuzz/fuzz_scenario): an override is checked
// merged with its service's model, and a mistake in the model was reported a second time
// under every instance that overrides something, at a path the file does not have
// ("/services/svc/instances/svc-1/latency/median_ms" for a typo in the model's latency).
// Now the model's mistakes are reported once, at the model; the override's own at the override.
#include <gtest/gtest.h>

#include "sim_test_support.h"

namespace gwsim {
namespace {

nlohmann::json overrideScenario(nlohmann::json model, nlohmann::json instance) {
  return {{"duration_s", 1},
          {"gateway", testing::oneServiceGateway()},
          {"services", {{"svc", {{"model", std::move(model)}, {"instances", {{"svc-1", std::move(instance)}}}}}}},
          {"clients", {{{"name", "c"}, {"arrival", {{"rate", 1}}}, {"requests", {{{"path", "/"}}}}}}}};
}

TEST(InstanceOverrideErrors, AModelMistakeIsReportedOnceAtTheModel) {
  const auto load = loadScenarioJson(
      overrideScenario({{"wrokers", 4}, {"latency", {{"kind", "lognormal"}, {"median_mss", 10}, {"p99_ms", 50}}}},
                       {{"error_rate", 0.5}}),
      ".");
  ASSERT_FALSE(load.ok());
  for (const auto& e : load.errors.list()) {
    EXPECT_EQ(e.path.find("/instances/"), std::string::npos) << e.str();
  }
  const std::string text = load.errors.text();
  EXPECT_NE(text.find("/services/svc/model/wrokers: unknown field"), std::string::npos) << text;
  EXPECT_NE(text.find("/services/svc/model/latency/median_ms"), std::string::npos) << text;
}

TEST(InstanceOverrideErrors, TheOverridesOwnMistakesAreReportedAtTheOverride) {
  const auto load = loadScenarioJson(
      overrideScenario({{"workers", 4}}, {{"error_rate", 2}, {"latency", {{"kind", "constant"}}}, {"wrokers", 1}}), ".");
  ASSERT_FALSE(load.ok());
  const std::string text = load.errors.text();
  EXPECT_NE(text.find("/services/svc/instances/svc-1/error_rate:"), std::string::npos) << text;
  EXPECT_NE(text.find("/services/svc/instances/svc-1/latency"), std::string::npos) << text;
  EXPECT_NE(text.find("/services/svc/instances/svc-1/wrokers: unknown field"), std::string::npos) << text;
  EXPECT_EQ(text.find("/services/svc/model"), std::string::npos) << text;
}

TEST(InstanceOverrideErrors, AValidOverrideInheritsTheModel) {
  const auto load = loadScenarioJson(overrideScenario({{"workers", 4}, {"queue", 7}}, {{"workers", 2}}), ".");
  ASSERT_TRUE(load.ok()) << load.errors.text();
  const auto& svc = load.scenario->services.at(0);
  EXPECT_EQ(svc.forInstance("svc-1").workers, 2u);
  EXPECT_EQ(svc.forInstance("svc-1").queue, 7u);
}

}  // namespace
}  // namespace gwsim
