// Scenario files: every shipped scenario loads, passes its own expectations, and another seed
// gives another run (the same seed's replay is golden_outputs_test.cc's); bad files list every
// error.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/sim/sim_test_support.h"

namespace gwsim {
namespace {

std::vector<std::string> shippedScenarios() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(std::string(GATEWAY_SOURCE_DIR) + "/scenarios")) {
    if (e.path().extension() == ".json") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ShippedScenarios, AtLeastSixWithDescriptionsAndExpectations) {
  const auto files = shippedScenarios();
  ASSERT_GE(files.size(), 6u);
  for (const auto& f : files) {
    auto load = loadScenarioFile(f);
    ASSERT_TRUE(load.ok()) << f << ":\n" << load.errors.text();
    EXPECT_GT(load.scenario->description.size(), 80u) << f << " must say what it teaches";
    EXPECT_FALSE(load.scenario->expectations.empty()) << f;
  }
}

class ShippedScenario : public ::testing::TestWithParam<std::string> {};

// That a seed replays identically is GoldenOutput's check (golden_outputs_test.cc): the same
// run, byte for byte, as the one stored, trace hash included.
TEST_P(ShippedScenario, MeetsItsExpectationsAndAnotherSeedIsAnotherRun) {
  auto load = loadScenarioFile(GetParam());
  ASSERT_TRUE(load.ok()) << load.errors.text();
  const RunResult first = testing::runQuiet(*load.scenario);
  for (const auto& e : first.expectations) {
    EXPECT_TRUE(e.passed) << e.text << " (actual " << (e.actual ? std::to_string(*e.actual) : "none") << ")";
  }
  const RunResult other = testing::runQuiet(*load.scenario, load.scenario->seed + 1);
  EXPECT_NE(first.traceHash, other.traceHash) << "a different seed must give a different run";
}

INSTANTIATE_TEST_SUITE_P(Files, ShippedScenario, ::testing::ValuesIn(shippedScenarios()), [](const auto& info) {
  std::string name = std::filesystem::path(info.param).stem().string();
  for (auto& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
});

TEST(ScenarioErrors, EveryErrorIsListedWithItsPath) {
  nlohmann::json doc = {
      {"duration_s", -1},
      {"gateway", testing::oneServiceGateway()},
      {"services", {{"svc", {{"model", {{"workers", 0}, {"latency", {{"kind", "lognormal"}, {"median_ms", 10}, {"p99_ms", 5}}}}}}},
                    {"ghost", {{"model", nlohmann::json::object()}}}}},
      {"clients", {{{"name", "c"}, {"arrival", {{"process", "sometimes"}, {"rate", 10}}},
                    {"requests", {{{"path", "/users/{id}"}}}}}}},
      {"faults", {{{"kind", "abort"}, {"service", "svc"}, {"latency_ms", 5}},
                  {{"kind", "down"}, {"service", "svc"}, {"instance", "nope"}}}},
      {"expectations", {"p99 < 5", "p99_ms{zone=a} < 5"}},
      {"extra", true}};
  auto load = loadScenarioJson(doc, ".");
  ASSERT_FALSE(load.ok());
  const std::string text = load.errors.text();
  for (const char* want : {
           "/duration_s: must be between 0.001 and 10000000, got -1",
           "/services/svc/model/workers: must be between 1 and 100000, got 0",
           "/services/svc/model/latency/p99_ms: must be greater than median_ms",
           "/services/ghost: service \"ghost\" is not in the gateway config",
           "/clients/0/arrival/process: \"sometimes\" is not one of: poisson, constant",
           "/clients/0/requests/0/path: \"{id}\" has no entry in params",
           "/faults/0/latency_ms: only latency faults take latency_ms",
           "/faults/1/instance: service \"svc\" has no instance \"nope\"",
           "/expectations/0: unknown metric \"p99\" (did you mean \"p99_ms\"?)",
           "/expectations/1: unknown label \"zone\"",
           "/extra: unknown field",
       }) {
    EXPECT_NE(text.find(want), std::string::npos) << "missing: " << want << "\nall errors:\n" << text;
  }
}

TEST(ScenarioErrors, BadGatewayConfigIsReportedUnderGateway) {
  const nlohmann::json doc = nlohmann::json::parse(R"({
    "duration_s": 1,
    "gateway": {"services": [], "routes": [{"name": "r", "match": {"path": "/"}, "service": "nope"}]},
    "services": {},
    "clients": [{"name": "c", "arrival": {"rate": 1}, "requests": [{"path": "/"}]}]})");
  auto load = loadScenarioJson(doc, ".");
  ASSERT_FALSE(load.ok());
  EXPECT_NE(load.errors.text().find("/gateway/routes/0/service: unknown service \"nope\""), std::string::npos)
      << load.errors.text();
}

TEST(ScenarioErrors, InvalidJsonFileGivesLineAndColumn) {
  const auto path = std::filesystem::temp_directory_path() / "gwsim_bad_scenario.json";
  std::ofstream(path) << "{\n  \"seed\": 1,\n  \"duration_s\": ,\n}\n";
  auto load = loadScenarioFile(path.string());
  ASSERT_FALSE(load.ok());
  EXPECT_NE(load.errors.text().find("line 3, column"), std::string::npos) << load.errors.text();
  std::filesystem::remove(path);
}

TEST(Expectations, ParseMetricLabelsAndOperators) {
  std::string why;
  auto e = parseExpectation("p99_ms{route=users, group=free} <= 250.5", why);
  ASSERT_TRUE(e) << why;
  EXPECT_EQ(e->metric, "p99_ms");
  EXPECT_EQ(e->op, "<=");
  EXPECT_DOUBLE_EQ(e->value, 250.5);
  EXPECT_EQ(e->labels.at("route"), "users");
  EXPECT_EQ(e->labels.at("group"), "free");
  EXPECT_FALSE(parseExpectation("p99_ms < fast", why));
}

TEST(Determinism, AddingAClientGroupDoesNotChangeAnotherGroupsDraws) {
  // Independent random streams per subsystem: group "a" makes the same requests either way.
  nlohmann::json doc = {
      {"name", "streams"},
      {"duration_s", 5},
      {"gateway", testing::oneServiceGateway()},
      {"services", {{"svc", {{"model", {{"workers", 1000}, {"latency", 1}}}}}}},
      {"clients", {{{"name", "a"}, {"arrival", {{"rate", 200}}}, {"requests", {{{"path", "/a/{n}"}, {"params", {{"n", {{"dist", "uniform"}, {"min", 1}, {"max", 1000000}}}}}}}}}}}};
  auto linesOfGroupA = [](const Scenario& s) {
    // start_us,end_us,client,...: keep group a's clients (127.1.x.y) with their times and targets.
    std::vector<std::string> lines;
    for (std::string& line : testing::traceLines(s)) {
      if (line.find(",127.1.") != std::string::npos) lines.push_back(std::move(line));
    }
    return lines;
  };
  const auto alone = linesOfGroupA(testing::mustLoad(doc));
  doc["clients"].push_back({{"name", "b"}, {"arrival", {{"rate", 300}}}, {"requests", {{{"path", "/b"}}}}});
  const auto both = linesOfGroupA(testing::mustLoad(doc));
  ASSERT_GT(alone.size(), 900u);
  EXPECT_EQ(alone, both);
}

}  // namespace
}  // namespace gwsim
