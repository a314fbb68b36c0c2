// gwsim compare's content columns: absent from tables of runs without content (those stay as
// they were), "kB to clients", "up:SERVICE" and "saved" when a row has content, the cache
// columns only with a cache's counters, fetches/stampede only with a stampede measure, and
// "-" in rows that lack the data.
#include <gtest/gtest.h>

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "sim/commands/compare_table.h"
#include "tests/sim/gwsim_process.h"
#include "tests/sim/sim_test_support.h"

namespace gwsim {
namespace {

using nlohmann::json;

std::vector<std::string> namesOf(const std::vector<CompareColumn>& columns) {
  std::vector<std::string> out;
  for (const auto& c : columns) out.push_back(c.name);
  return out;
}

// 40 requests for /users/3 over 2 s; `extra` merged over it.
json comparedScenario(const json& extra) {
  json doc = testing::smallScenario(20, 2);
  doc["clients"][0]["requests"][0]["path"] = "/users/3";
  doc.merge_patch(extra);
  return doc;
}

struct ComparedRun {
  Scenario scenario;
  RunResult result;
};

ComparedRun run(const json& doc) {
  ComparedRun r{testing::mustLoad(doc), RunResult()};
  r.result = testing::runQuiet(r.scenario);
  return r;
}

std::string cellOf(const std::vector<CompareColumn>& columns, const std::string& name, const CompareRow& row) {
  for (const auto& c : columns) {
    if (c.name == name) return c.cell(row).value_or("-");
  }
  ADD_FAILURE() << "no column " << name;
  return {};
}

TEST(ContentCompareTest, RunsWithoutContentKeepTheirColumns) {
  const ComparedRun plain = run(comparedScenario(json::object()));
  const std::vector<CompareRow> rows = {{"a", true, &plain.scenario, &plain.result}};
  EXPECT_EQ(namesOf(compareColumns(rows)), (std::vector<std::string>{"requests", "2xx", "5xx", "503", "504", "p50 ms",
                                                                     "p99 ms", "max ms", "expectations", "trace hash"}));
}

TEST(ContentCompareTest, ContentColumnsComeBefore5xxAndOnlyWithTheirData) {
  const ComparedRun plain = run(comparedScenario(json::object()));
  const ComparedRun bodies = run(comparedScenario({{"services", {{"svc", {{"kind", "users"}, {"body_bytes", 1500}}}}}}));
  std::vector<CompareRow> rows = {{"plain", true, &plain.scenario, &plain.result},
                                  {"bodies", false, &bodies.scenario, &bodies.result}};
  auto columns = compareColumns(rows);
  EXPECT_EQ(namesOf(columns), (std::vector<std::string>{"requests", "2xx", "kB to clients", "up:svc", "saved", "5xx", "503",
                                                        "504", "p50 ms", "p99 ms", "max ms", "expectations", "trace hash"}));
  EXPECT_EQ(cellOf(columns, "kB to clients", rows[1]), "60.0");  // 40 answers of 1500 bytes
  EXPECT_EQ(cellOf(columns, "up:svc", rows[1]), "40");
  EXPECT_EQ(cellOf(columns, "saved", rows[1]), "0");
  EXPECT_EQ(cellOf(columns, "kB to clients", rows[0]), "-");
  EXPECT_EQ(cellOf(columns, "up:svc", rows[0]), "-");

  // A cache's counters (the policy snapshot's "cache" section) bring the cache columns.
  RunResult cached = bodies.result;
  cached.content.cache = {{"routes", {{"all", {{"hits", 30}, {"misses", 6}, {"expired", 4}}}}},
                          {"totals", {{"hits", 30}, {"misses", 6}, {"expired", 4}, {"coalesced", 5}, {"stale_served", 2}}}};
  rows.push_back({"cached", false, &bodies.scenario, &cached});
  columns = compareColumns(rows);
  const auto names = namesOf(columns);
  for (const char* n : {"hit ratio", "coalesced", "stale served"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  }
  EXPECT_EQ(std::find(names.begin(), names.end(), "fetches/stampede"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "partial"), names.end()) << "no aggregation route";
  EXPECT_EQ(cellOf(columns, "hit ratio", rows[2]), "0.750");
  EXPECT_EQ(cellOf(columns, "coalesced", rows[2]), "5");
  EXPECT_EQ(cellOf(columns, "stale served", rows[2]), "2");
  EXPECT_EQ(cellOf(columns, "hit ratio", rows[1]), "-");
  EXPECT_EQ(cached.metric("cache_hit_ratio", {}), 0.75);
  EXPECT_EQ(cached.metric("cache_hit_ratio", {{"route", "all"}}), 0.75);
  EXPECT_EQ(cached.metric("cache_coalesced", {}), 5.0);
  EXPECT_EQ(cached.toJson()["content"]["cache_hit_ratio"], 0.75);
}

TEST(ContentCompareTest, AStampedeMeasureBringsItsColumn) {
  const ComparedRun s = run(comparedScenario(
      {{"clients", {{{"name", "clients"}, {"arrival", {{"process", "poisson"}, {"rate", 50}, {"on_off", {{"on_s", 0.5}, {"off_s", 0.5}}}}},
                     {"requests", {{{"path", "/x"}}}}}}},
       {"stampede", {{"group", "clients"}, {"service", "svc"}}}}));
  const std::vector<CompareRow> rows = {{"a", true, &s.scenario, &s.result}};
  const auto columns = compareColumns(rows);
  const double perBurst = static_cast<double>(s.result.total.statuses.total) / 2;
  EXPECT_EQ(cellOf(columns, "fetches/stampede", rows[0]), fmt::format("{:.2f}", perBurst));
}

TEST(ContentCompareTest, TheHelpAndTheTableShowThem) {
  gateway::testing::TempDir dir;
  auto help = testing::runGwsimProcess({"compare", "--help"}, dir);
  ASSERT_EQ(help.status, 0) << help.err;
  for (const char* n : {"kB to clients", "up:SERVICE", "saved", "partial", "hit ratio", "coalesced", "stale served",
                        "fetches/stampede"}) {
    EXPECT_NE(help.out.find("  " + std::string(n) + " "), std::string::npos) << n << "\n" << help.out;
  }
  const std::string file =
      dir.write("content.json", comparedScenario({{"services", {{"svc", {{"kind", "users"}, {"body_bytes", 1000}}}}}}).dump());
  auto r = testing::runGwsimProcess({"compare", file, "--vary", "scenario.services.svc.body_bytes=3000", "--format", "csv"}, dir);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')),
            "scenario.services.svc.body_bytes,requests,2xx,kB to clients,up:svc,saved,5xx,503,504,p50 ms,p99 ms,max ms,expectations,trace hash");
  EXPECT_NE(r.out.find(",40,40,40.0,40,0,0,0,0,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(",40,40,120.0,40,0,0,0,0,"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace gwsim
