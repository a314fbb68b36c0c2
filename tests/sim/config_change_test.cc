// Scenario "changes": config changes at points of a run, parsed with JSON paths, checked
// against the config they apply to, replayed by gwsim at their time.
#include <gtest/gtest.h>

#include "sim/engine/simulation_run.h"
#include "sim/scenario/config_change.h"
#include "tests/sim/sim_test_support.h"

namespace gwsim {
namespace {

nlohmann::json changeScenarioDoc() {
  nlohmann::json g = testing::oneServiceGateway();
  g["routes"][0]["rate_limit"] = {{"policies", {"flat"}}};
  g["rate_limits"] = {{"policies", {{"flat", {{"algorithm", "fixed_window"}, {"limit", 50}, {"window_ms", 10000}, {"key", "route"}}}}}};
  return {{"name", "changes"},
          {"seed", 3},
          {"duration_s", 20},
          {"gateway", g},
          {"services", {{"svc", {{"model", {{"workers", 8}, {"latency", {{"kind", "constant"}, {"ms", 1}}}}}}}}},
          {"clients", {{{"name", "c"}, {"arrival", {{"process", "constant"}, {"rate", 20}}}, {"requests", {{{"path", "/x"}}}}}}}};
}

TEST(ConfigChangeTest, ParsesAndDescribes) {
  gateway::FieldErrors errors;
  auto c = parseConfigChange(nlohmann::json::parse(R"({"at_s": 1.5, "set": {"/a/b": 3, "/c": null}, "note": "n"})"),
                             "/changes/0", errors);
  ASSERT_TRUE(c) << errors.text();
  EXPECT_EQ(c->at, 1'500'000);
  ASSERT_EQ(c->set.size(), 2u);
  EXPECT_EQ(c->describe(), "/a/b = 3, /c removed");
  EXPECT_EQ(toJson(*c), nlohmann::json::parse(R"({"at_s": 1.5, "set": {"/a/b": 3, "/c": null}, "note": "n"})"));
}

TEST(ConfigChangeTest, BadChangesNameTheirPath) {
  gateway::FieldErrors errors;
  EXPECT_FALSE(parseConfigChange(nlohmann::json::parse(R"({"set": {"a": 1}, "when": 2})"), "/changes/4", errors));
  const std::string text = errors.text();
  EXPECT_NE(text.find("/changes/4/at_s"), std::string::npos) << text;
  EXPECT_NE(text.find("not a JSON pointer"), std::string::npos) << text;
  EXPECT_NE(text.find("/changes/4/when"), std::string::npos) << text;
}

TEST(ConfigChangeTest, ApplySetsRemovesAndRefusesMissingParents) {
  nlohmann::json config = {{"a", {{"b", 1}}}, {"list", {1, 2}}};
  gateway::FieldErrors errors;
  ConfigChange ok{0, {{"/a/b", 2}, {"/a/c", "x"}, {"/list/1", 5}, {"/list/-", 7}}, ""};
  ASSERT_TRUE(applyConfigChange(ok, config, "/changes/0", errors)) << errors.text();
  EXPECT_EQ(config, nlohmann::json::parse(R"({"a": {"b": 2, "c": "x"}, "list": [1, 5, 7]})"));
  const nlohmann::json before = config;
  ConfigChange bad{0, {{"/a/b", 9}, {"/missing/x", 1}, {"/list/9", 1}, {"/a/nothing", nullptr}}, ""};
  EXPECT_FALSE(applyConfigChange(bad, config, "/changes/1", errors));
  EXPECT_EQ(config, before);  // all or nothing
  const std::string text = errors.text();
  // Each error is at the "set" member, its key escaped as a JSON Pointer token, so the path
  // names a place in the document; the message names the pointer as written.
  EXPECT_NE(text.find("/changes/1/set/~1missing~1x: \"/missing/x\": "), std::string::npos) << text;
  EXPECT_NE(text.find("/changes/1/set/~1list~19: \"/list/9\": index"), std::string::npos) << text;
  EXPECT_NE(text.find("nothing to remove"), std::string::npos) << text;
}

TEST(ConfigChangeTest, LoaderChecksTheConfigEachChangeGivesAndSortsByTime) {
  nlohmann::json doc = changeScenarioDoc();
  doc["changes"] = {{{"at_s", 12}, {"set", {{"/rate_limits/policies/flat/limit", 10}}}},
                    {{"at_s", 5}, {"set", {{"/rate_limits/policies/flat/algorithm", "sliding_log"}}}}};
  const Scenario s = testing::mustLoad(doc);
  ASSERT_EQ(s.changes.size(), 2u);
  EXPECT_EQ(s.changes[0].at, gateway::seconds(5));
  EXPECT_EQ(s.changes[1].at, gateway::seconds(12));

  doc["changes"] = {{{"at_s", 2}, {"set", {{"/rate_limits/policies/flat/algorithm", "nonsense"}}}},
                    {{"at_s", 30}, {"set", {{"/routes/0/name", "r"}}}}};
  auto load = loadScenarioJson(doc, ".");
  ASSERT_FALSE(load.ok());
  const std::string text = load.errors.text();
  EXPECT_NE(text.find("/changes/0: the config after this change is invalid: /rate_limits/policies/flat"), std::string::npos)
      << text;
  EXPECT_NE(text.find("/changes/1/at_s: comes after the scenario ends"), std::string::npos) << text;
}

TEST(ConfigChangeTest, AChangeTakesEffectAtItsTimeInARun) {
  // 20 req/s against 50 per 10 s: the fixed window admits 50 of each window's 200.
  const Scenario plain = testing::mustLoad(changeScenarioDoc());
  const RunResult before = testing::runQuiet(plain);
  nlohmann::json doc = changeScenarioDoc();
  doc["changes"] = {{{"at_s", 10}, {"set", {{"/rate_limits/policies/flat/limit", 1000}}}}};
  const RunResult after = testing::runQuiet(testing::mustLoad(doc));
  EXPECT_EQ(before.limiterDenied, 300u);
  EXPECT_EQ(after.limiterDenied, 150u);  // only the first window's
  EXPECT_NE(before.traceHash, after.traceHash);
}

TEST(ConfigChangeTest, ALiveChangeEqualsTheSameChangeInTheFile) {
  const Scenario plain = testing::mustLoad(changeScenarioDoc());
  SimulationRun live(plain, {});
  live.advanceTo(gateway::seconds(7));
  ConfigChange c{0, {{"/rate_limits/policies/flat/algorithm", "sliding_log"}}, ""};
  ASSERT_TRUE(live.changeConfig(c).empty());
  live.advanceTo(gateway::seconds(20));
  EXPECT_EQ(live.configJson()["rate_limits"]["policies"]["flat"]["algorithm"], "sliding_log");
  const RunResult liveResult = live.finish();

  nlohmann::json doc = changeScenarioDoc();
  c.at = gateway::seconds(7) + 1;
  doc["changes"] = {toJson(c)};
  const RunResult fileResult = testing::runQuiet(testing::mustLoad(doc));
  EXPECT_EQ(liveResult.traceHash, fileResult.traceHash);
  EXPECT_EQ(liveResult.limiterDenied, fileResult.limiterDenied);
  EXPECT_NE(liveResult.traceHash, testing::runQuiet(plain).traceHash);

  SimulationRun refused(plain, {});
  const auto errors = refused.changeConfig({0, {{"/rate_limits/policies/flat/limit", -4}}, ""});
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].find("/rate_limits/policies/flat/limit"), std::string::npos) << errors[0];
}

TEST(SimulationRunTest, SteppingEqualsRunningAndALiveFaultEqualsTheFile) {
  const Scenario plain = testing::mustLoad(changeScenarioDoc());
  const RunResult whole = testing::runQuiet(plain);
  SimulationRun stepped(plain, {});
  std::uint64_t n = 0;
  while (stepped.step()) ++n;
  EXPECT_EQ(n, stepped.events());
  const RunResult s = stepped.finish();
  EXPECT_EQ(s.traceHash, whole.traceHash);
  EXPECT_EQ(s.events, whole.events);

  SimulationRun live(plain, {});
  live.advanceTo(gateway::seconds(1));  // the window's 50 admissions end at 2.5 s
  FaultSpec down;
  down.kind = FaultSpec::Kind::kDown;
  down.service = "svc";
  down.duration = gateway::seconds(3);
  const FaultSpec added = live.addFault(down);
  EXPECT_EQ(added.at, gateway::seconds(1) + 1);
  live.runEvents();
  const RunResult liveResult = live.finish();
  nlohmann::json doc = changeScenarioDoc();
  doc["faults"] = {added.toJson()};
  const RunResult fileResult = testing::runQuiet(testing::mustLoad(doc));
  EXPECT_EQ(liveResult.traceHash, fileResult.traceHash);
  EXPECT_GT(liveResult.total.statuses.code(502), 0u);
  EXPECT_EQ(liveResult.total.statuses.code(502), fileResult.total.statuses.code(502));
}

}  // namespace
}  // namespace gwsim
