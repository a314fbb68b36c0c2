// `gwsim compare` as a user sees it, run as a process: the row of the scenario as written
// beside the variants (also for one --vary value), "-" where a column does not apply, the
// legend under the table, and exit 1 when any row's expectations failed.
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/sim/gwsim_process.h"

namespace gwsim {
namespace {

using gateway::testing::TempDir;
using testing::runGwsimProcess;
using testing::smallScenario;

// CSV output as rows of column name -> cell.
std::vector<std::map<std::string, std::string>> parseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::istringstream l(line);
    for (std::string cell; std::getline(l, cell, ',');) cells.push_back(cell);
    lines.push_back(cells);
  }
  std::vector<std::map<std::string, std::string>> rows;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::map<std::string, std::string> row;
    for (std::size_t c = 0; c < lines[0].size() && c < lines[i].size(); ++c) row[lines[0][c]] = lines[i][c];
    rows.push_back(row);
  }
  return rows;
}

class GwsimCompare : public ::testing::Test {
 protected:
  testing::GwsimRun gwsim(const std::vector<std::string>& args) { return runGwsimProcess(args, dir_); }
  std::string scenario(const nlohmann::json& doc) { return dir_.write("scenario.json", doc.dump(2)); }
  TempDir dir_;
};

TEST_F(GwsimCompare, ASingleValueVaryStillShowsTheScenarioAsWritten) {
  const std::string file = scenario(smallScenario(10, 2));
  auto r = gwsim({"compare", file, "--vary", "scenario.clients.0.arrival.rate=20", "--format", "csv"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto rows = parseCsv(r.out);
  ASSERT_EQ(rows.size(), 2u) << r.out;
  EXPECT_EQ(rows[0]["scenario.clients.0.arrival.rate"], "10.0 (as written)");
  EXPECT_EQ(rows[0]["requests"], "20");
  EXPECT_EQ(rows[1]["scenario.clients.0.arrival.rate"], "20");
  EXPECT_EQ(rows[1]["requests"], "40");

  // The written value itself is that row, not run twice.
  r = gwsim({"compare", file, "--vary", "scenario.clients.0.arrival.rate=10,20", "--format", "csv"});
  ASSERT_EQ(r.status, 0) << r.err;
  rows = parseCsv(r.out);
  ASSERT_EQ(rows.size(), 2u) << r.out;
  EXPECT_EQ(rows[0]["scenario.clients.0.arrival.rate"], "10 (as written)");
  EXPECT_EQ(rows[1]["scenario.clients.0.arrival.rate"], "20");

  // Two paths: the written combination is not among them, so it comes first.
  r = gwsim({"compare", file, "--vary", "scenario.seed=7,8", "--vary", "scenario.clients.0.arrival.rate=20",
             "--format", "csv"});
  ASSERT_EQ(r.status, 0) << r.err;
  rows = parseCsv(r.out);
  ASSERT_EQ(rows.size(), 3u) << r.out;
  EXPECT_EQ(rows[0]["variant"], "seed=7 rate=10.0 (as written)");
  EXPECT_EQ(rows[1]["variant"], "seed=7 rate=20");
  EXPECT_EQ(rows[2]["variant"], "seed=8 rate=20");

  // No --vary: the scenario alone.
  r = gwsim({"compare", file});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("small: " + file + ", seed 7, 2 s simulated, the scenario as written\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nas written  "), std::string::npos) << r.out;
}

TEST_F(GwsimCompare, AFailingRowIsMarkedListedAndExitsOne) {
  const std::string file = scenario(smallScenario(10, 2, {{"expectations", {"requests < 50", "status_5xx == 0"}}}));
  const auto r = gwsim({"compare", file, "--vary", "scenario.clients.0.arrival.rate=100"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "gwsim compare: expectations failed in 1 of 2 rows: 100\n");
  EXPECT_NE(r.out.find("10.0 (as written)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  2/2  "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  1/2 FAILED  "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nFAILED in 100:\n  requests < 50  (actual 200)\n"), std::string::npos) << r.out;

  // JSON carries the same: which row is the scenario as written and how many failed.
  const auto j = gwsim({"compare", file, "--vary", "scenario.clients.0.arrival.rate=100", "--format", "json"});
  EXPECT_EQ(j.status, 1);
  const auto doc = nlohmann::json::parse(j.out, nullptr, false);
  ASSERT_TRUE(doc.is_array() && doc.size() == 2) << j.out;
  EXPECT_EQ(doc[0]["as_written"], true);
  EXPECT_EQ(doc[0]["expectations_failed"], 0);
  EXPECT_EQ(doc[1]["as_written"], false);
  EXPECT_EQ(doc[1]["expectations_failed"], 1);
  EXPECT_EQ(doc[1]["expectations"], "1/2 FAILED");

  // --variants-may-fail: the scenario as written decides; the variant is still marked.
  auto v = gwsim({"compare", file, "--vary", "scenario.clients.0.arrival.rate=100", "--variants-may-fail"});
  EXPECT_EQ(v.status, 0);
  EXPECT_NE(v.out.find("  1/2 FAILED  "), std::string::npos) << v.out;
  EXPECT_EQ(v.err, "gwsim compare: expectations failed in 1 of 2 rows: 100 (variants only, and --variants-may-fail: exit 0)\n");
  v = gwsim({"compare", file, "--vary", "scenario.clients.0.arrival.rate=100,200", "--variants-may-fail"});
  EXPECT_EQ(v.status, 0) << v.err;
  const std::string failing = scenario(smallScenario(10, 2, {{"expectations", {"requests > 50"}}}));
  v = gwsim({"compare", failing, "--vary", "scenario.clients.0.arrival.rate=100", "--variants-may-fail"});
  EXPECT_EQ(v.status, 1) << "the scenario as written failed";
  EXPECT_EQ(v.err, "gwsim compare: expectations failed in 1 of 2 rows: 10.0 (as written)\n");
}

TEST_F(GwsimCompare, ALegendExplainsEveryColumnShown) {
  const auto r = gwsim({"compare", std::string(GATEWAY_SOURCE_DIR) + "/scenarios/boundary_burst.json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto legend = r.out.find("\nColumns (\"-\": does not apply to the row):\n");
  ASSERT_NE(legend, std::string::npos) << r.out;
  for (const char* column : {"requests", "admitted", "denied", "overshoot", "fairness", "delay ms", "p99 ms",
                             "expectations", "trace hash"}) {
    EXPECT_NE(r.out.find(std::string("\n  ") + column + " ", legend), std::string::npos) << column << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("Jain's index"), std::string::npos);
  const auto help = gwsim({"compare", "--help"});
  EXPECT_EQ(help.status, 0);
  for (const char* column : {"overshoot", "false trips", "recover s", "fairness", "sent to failing", "open after s"}) {
    EXPECT_NE(help.out.find(std::string("\n  ") + column + " "), std::string::npos) << column << "\n" << help.out;
  }
}

TEST_F(GwsimCompare, ColumnsThatDoNotApplyShowADash) {
  // boundary_burst: one consumer under a fixed-window tier. Overshoot applies, fairness (one
  // consumer) and delay (no leaky bucket) do not.
  auto r = gwsim({"compare", std::string(GATEWAY_SOURCE_DIR) + "/scenarios/boundary_burst.json", "--format", "csv"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto rows = parseCsv(r.out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["overshoot"], "2.00x");
  EXPECT_EQ(rows[0]["fairness"], "-");
  EXPECT_EQ(rows[0]["delay ms"], "-");

  // A route policy and five anonymous clients, no expectations: no consumer is under a tier
  // (overshoot -), no expectations (-); the leaky bucket row has a delay, the other does not.
  nlohmann::json doc = smallScenario(100, 2);
  doc["gateway"]["routes"][0]["rate_limit"] = {{"policies", {"cap"}}};
  doc["gateway"]["rate_limits"]["policies"]["cap"] = {
      {"algorithm", "token_bucket"}, {"rate", 50}, {"burst", 10}, {"key", "route"}};
  doc["clients"][0]["count"] = 5;
  r = gwsim({"compare", scenario(doc), "--vary", "rate_limits.policies.cap.algorithm=leaky_bucket", "--format", "csv"});
  ASSERT_EQ(r.status, 0) << r.err;
  rows = parseCsv(r.out);
  ASSERT_EQ(rows.size(), 2u) << r.out;
  EXPECT_EQ(rows[0]["rate_limits.policies.cap.algorithm"], "token_bucket (as written)");
  for (const auto& row : rows) {
    EXPECT_EQ(row.at("overshoot"), "-") << r.out;
    EXPECT_EQ(row.at("expectations"), "-") << r.out;
    EXPECT_NE(row.at("fairness"), "-") << r.out;
  }
  EXPECT_EQ(rows[0]["delay ms"], "-");
  EXPECT_NE(rows[1]["delay ms"], "-");
  EXPECT_EQ(rows.front().count("sent to failing"), 0u) << "no fault: no breaker columns";

  // A failure fault on a service without a breaker: tries sent to it count, breaker columns do not apply.
  doc = smallScenario(100, 3, {{"faults", {{{"kind", "down"}, {"service", "svc"}, {"at_s", 1}, {"for_s", 1}}}}});
  r = gwsim({"compare", scenario(doc), "--format", "csv"});
  ASSERT_EQ(r.status, 0) << r.err;
  rows = parseCsv(r.out);
  ASSERT_EQ(rows.size(), 1u) << r.out;
  EXPECT_EQ(rows[0]["sent to failing"], "100");
  EXPECT_EQ(rows[0]["open after s"], "-");
  EXPECT_EQ(rows[0]["recover s"], "-");
  EXPECT_EQ(rows[0]["false trips"], "-");
  EXPECT_EQ(rows[0].count("overshoot"), 0u) << "no rate limits: no rate-limit columns";

  // With a breaker: it opens and recovers, or (max_errors out of reach) never opens.
  doc["gateway"]["services"][0]["circuit_breaker"] = {{"mode", "consecutive"}, {"max_errors", 3}, {"open_ms", 200}};
  r = gwsim({"compare", scenario(doc), "--vary", "services.0.circuit_breaker.max_errors=1000000", "--format", "csv"});
  ASSERT_EQ(r.status, 0) << r.err;
  rows = parseCsv(r.out);
  ASSERT_EQ(rows.size(), 2u) << r.out;
  EXPECT_NE(rows[0]["open after s"], "-");
  EXPECT_NE(rows[0]["open after s"], "never");
  EXPECT_NE(rows[0]["recover s"], "-");
  EXPECT_EQ(rows[0]["false trips"], "0");
  EXPECT_EQ(rows[1]["open after s"], "never");
  EXPECT_EQ(rows[1]["recover s"], "-") << "it never opened: nothing to recover from";
}

TEST_F(GwsimCompare, JsonHasNullWhereAColumnDoesNotApply) {
  const auto r = gwsim({"compare", std::string(GATEWAY_SOURCE_DIR) + "/scenarios/boundary_burst.json", "--format", "json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(doc.is_array() && doc.size() == 1) << r.out;
  EXPECT_EQ(doc[0]["variant"], "as written");
  EXPECT_EQ(doc[0]["as_written"], true);
  EXPECT_TRUE(doc[0]["fairness"].is_null());
  EXPECT_EQ(doc[0]["overshoot"], "2.00x");
  EXPECT_TRUE(doc[0]["result"].is_object());
}

}  // namespace
}  // namespace gwsim
