// The cache, aggregation and transformation scenarios side by side, as `gwsim compare --vary`
// runs them (the same seed and traffic in every row): what each policy changes, checked on
// the rows the scenarios' descriptions suggest.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/commands/variation.h"
#include "sim/engine/simulation.h"
#include "sim/scenario/scenario.h"

namespace gwsim {
namespace {

const std::string kScenarios = std::string(GATEWAY_SOURCE_DIR) + "/scenarios/";

// Every row of `gwsim compare FILE --vary ...`, in order, with its label.
std::vector<std::pair<std::string, RunResult>> compareRows(const std::string& file, const std::vector<std::string>& vary) {
  gateway::FieldErrors errors;
  const auto base = readScenarioDocument(kScenarios + file, errors);
  EXPECT_TRUE(base) << errors.text();
  std::string why;
  const auto plan = base ? planVariants(*base, vary, why) : std::nullopt;
  EXPECT_TRUE(plan) << why;
  std::vector<std::pair<std::string, RunResult>> rows;
  if (!plan) return rows;
  for (const auto& v : plan->variants) {
    auto load = loadScenarioJson(v.document, kScenarios);
    EXPECT_TRUE(load.ok()) << v.label << ": " << load.errors.text();
    if (!load.ok()) continue;
    rows.emplace_back(v.label, runScenario(*load.scenario, RunOptions{}));
  }
  return rows;
}

double metricOf(const RunResult& r, const std::string& name, const std::map<std::string, std::string>& labels = {}) {
  const auto v = r.metric(name, labels);
  EXPECT_TRUE(v.has_value()) << name;
  return v.value_or(-1);
}

TEST(BffScenariosTest, MobileGetsAFractionOfTheWebsBytes) {
  const auto rows = compareRows("mobile_vs_web.json", {R"(routes.0.transform.profiles.web={},{"compress":{"min_bytes":1024}})"});
  ASSERT_EQ(rows.size(), 2u);
  const RunResult& plain = rows[0].second;
  const RunResult& gzipped = rows[1].second;
  // The same traffic and answers upstream; only what the clients receive differs.
  EXPECT_EQ(plain.content.upstreamRequests, gzipped.content.upstreamRequests);
  const double mobile = metricOf(plain, "mean_body_bytes", {{"group", "mobile"}});
  const double web = metricOf(plain, "mean_body_bytes", {{"group", "web"}});
  EXPECT_LT(mobile * 10, web);
  EXPECT_EQ(metricOf(gzipped, "mean_body_bytes", {{"group", "mobile"}}), mobile);
  const double webGzipped = metricOf(gzipped, "mean_body_bytes", {{"group", "web"}});
  EXPECT_LT(webGzipped * 2, web) << "gzip on the web profile";
  EXPECT_GT(webGzipped, mobile);
}

}  // namespace
}  // namespace gwsim
