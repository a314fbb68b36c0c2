// gwsim agree's parts in process: the result reader against the summary `gwsim run --json`
// writes (RunResult::toJson), its errors with JSON paths, the tolerance parser, and the
// comparison: a result against itself, perturbed counts and percentiles, small counts, rows
// and error kinds present in one world only, the failure lines and the JSON report.
#include <algorithm>

#include <gtest/gtest.h>

#include "sim/commands/agree_input.h"
#include "sim/commands/agree_table.h"
#include "sim/report/run_result.h"

namespace gwsim {
namespace {

// A run with route "orders" (3000 x 200 in 10 ms, 1200 x 429 in 1 ms, 30 x 503 in 50 ms) and
// route "users" (5 x 200), group "web" seeing everything.
RunResult agreeSampleRun() {
  RunResult r;
  r.scenario = "sample";
  r.simulated = 60'000'000;
  auto add = [&r](const std::string& route, int status, std::int64_t us, int n) {
    for (int i = 0; i < n; ++i) {
      for (LatencyStats* s : {&r.routes[route], &r.total, &r.groups["web"]}) {
        s->statuses.add(status);
        s->latency.record(us);
      }
    }
  };
  add("orders", 200, 10'000, 3000);
  add("orders", 429, 1'000, 1200);
  add("orders", 503, 50'000, 30);
  add("users", 200, 4'000, 5);
  return r;
}

AgreeResult agreeRead(const nlohmann::json& doc) {
  gateway::FieldErrors errors;
  auto r = readAgreeResult(doc, errors);
  EXPECT_TRUE(r.has_value()) << errors.text();
  return r.value_or(AgreeResult{});
}

std::string agreeErrorsOf(const nlohmann::json& doc) {
  gateway::FieldErrors errors;
  EXPECT_FALSE(readAgreeResult(doc, errors).has_value());
  return errors.text();
}

const AgreeCell& agreeCell(const AgreeReport& report, const std::string& kind, const std::string& name,
                           const std::string& metric) {
  for (const auto& row : report.rows) {
    if (row.kind != kind || row.name != name) continue;
    for (const auto& c : row.cells) {
      if (c.metric == metric) return c;
    }
  }
  ADD_FAILURE() << "no cell " << kind << " " << name << " " << metric;
  static const AgreeCell none;
  return none;
}

TEST(AgreeInput, ReadsTheSummaryGwsimRunWrites) {
  const AgreeResult r = agreeRead(agreeSampleRun().toJson());
  EXPECT_EQ(r.scenario, "sample");
  ASSERT_TRUE(r.seconds);
  EXPECT_DOUBLE_EQ(*r.seconds, 60.0);
  ASSERT_EQ(r.routes.size(), 2u);
  const AgreeStats& orders = r.routes.at("orders");
  EXPECT_EQ(orders.requests, 4230u);
  EXPECT_EQ(orders.s2xx, 3000u);
  EXPECT_EQ(orders.s429, 1200u);
  EXPECT_EQ(orders.s4xx, 0u);  // 4xx other than 429
  EXPECT_EQ(orders.s5xx, 30u);
  EXPECT_NEAR(orders.p50Ms, 10.0, 0.1);
  EXPECT_NEAR(orders.p99Ms, 10.0, 0.1);  // 30 of 4230 answers at 50 ms: under 1%
  EXPECT_TRUE(r.hasGroups);
  EXPECT_EQ(r.groups.at("web").requests, 4235u);
  EXPECT_EQ(r.total.requests, 4235u);
  EXPECT_FALSE(r.hasErrorKinds);
}

TEST(AgreeInput, EveryErrorNamesItsJsonPath) {
  nlohmann::json doc = agreeSampleRun().toJson();
  doc["routes"]["orders"].erase("status_2xx");
  doc["routes"]["users"]["latency_ms"]["p90"] = "fast";
  doc["groups"]["web"]["requests"] = -3;
  doc["total"]["errors"] = {{"connect", 1.5}};
  const std::string text = agreeErrorsOf(doc);
  EXPECT_NE(text.find("/routes/orders/status_2xx: required field is missing"), std::string::npos) << text;
  EXPECT_NE(text.find("/routes/users/latency_ms/p90: expected a number, got string"), std::string::npos) << text;
  EXPECT_NE(text.find("/groups/web/requests: must be between 0 and"), std::string::npos) << text;
  EXPECT_NE(text.find("/total/errors/connect: expected a count, got number"), std::string::npos) << text;

  EXPECT_EQ(agreeErrorsOf(nlohmann::json::array()), "/: expected an object, got array\n");
  EXPECT_NE(agreeErrorsOf(nlohmann::json::object()).find("/total: required field is missing"), std::string::npos);
  gateway::FieldErrors errors;
  EXPECT_FALSE(readAgreeResultText("{\"total\": ", errors));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors.list()[0].path, "");

  doc = agreeSampleRun().toJson();
  doc["total"]["status"]["429"] = 5000;  // more 429s than 4xx
  EXPECT_NE(agreeErrorsOf(doc).find("/total/status/429: 5000 answers with 429, more than status_4xx (1200)"),
            std::string::npos);
  doc = agreeSampleRun().toJson();
  doc["routes"]["orders"]["requests"] = 10;
  EXPECT_NE(agreeErrorsOf(doc).find("/routes/orders/requests: 10 requests, fewer than the status classes add up to (4230)"),
            std::string::npos);
  doc = agreeSampleRun().toJson();
  doc["routes"]["a/b~c"] = 1;
  const std::string escaped = agreeErrorsOf(doc);
  EXPECT_NE(escaped.find("/routes/a~1b~0c: expected an object, got integer"), std::string::npos) << escaped;
}

TEST(AgreeTolerance, ParsesPercentagesAndOff) {
  AgreeTolerances t = defaultAgreeTolerances();
  EXPECT_EQ(t, (AgreeTolerances{{"2xx", 0.05}, {"429", 0.05}, {"p50", 0.20}}));
  std::string why;
  ASSERT_TRUE(parseAgreeTolerances("p99=10%, 5xx = 2.5 ,429=off,errors=0%", t, why)) << why;
  EXPECT_EQ(t, (AgreeTolerances{{"2xx", 0.05}, {"5xx", 0.025}, {"errors", 0.0}, {"p50", 0.20}, {"p99", 0.10}}));
  EXPECT_EQ(formatPercent(0.025), "2.5%");
  EXPECT_EQ(formatPercent(0.2), "20%");
}

TEST(AgreeTolerance, BadItemsAreNamedAndChangeNothing) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty tolerance list (give KEY=PERCENT, e.g. 2xx=5%,p50=20%)"},
      {"2xx=5%,", "an empty item in the list (two commas, or one at an end)"},
      {"2xx", "\"2xx\" is not KEY=PERCENT (e.g. 2xx=5%)"},
      {"2xxx=5%", "unknown metric \"2xxx\" in \"2xxx=5%\" (requests, 2xx, 3xx, 4xx, 429, 5xx, p50, p90, p99, errors)"},
      {"p50=fast", "\"fast\" in \"p50=fast\" is not a percentage (5%, 0.5%) or off"},
      {"p50=", "\"\" in \"p50=\" is not a percentage (5%, 0.5%) or off"},
      {"p50=5%%", "\"5%%\" in \"p50=5%%\" is not a percentage (5%, 0.5%) or off"},
      {"p50=inf", "\"inf\" in \"p50=inf\" is not a percentage (5%, 0.5%) or off"},
      {"p50=-1%", "-1% in \"p50=-1%\" is out of range (0% to 1000%)"},
      {"2xx=1%,p90=2000", "2000 in \"p90=2000\" is out of range (0% to 1000%)"},
  };
  for (const auto& [spec, message] : cases) {
    AgreeTolerances t = defaultAgreeTolerances();
    std::string why;
    EXPECT_FALSE(parseAgreeTolerances(spec, t, why)) << spec;
    EXPECT_EQ(why, message) << spec;
    EXPECT_EQ(t, defaultAgreeTolerances()) << spec;
  }
}

TEST(AgreeCompare, AResultAgreesWithItselfWithEveryDiffZero) {
  const AgreeResult r = agreeRead(agreeSampleRun().toJson());
  const AgreeReport report = compareAgreeResults(r, r, defaultAgreeTolerances(), 20);
  EXPECT_TRUE(report.agrees());
  EXPECT_EQ(report.beyond, 0u);
  EXPECT_TRUE(report.failures().empty());
  EXPECT_TRUE(report.notes.empty());
  // routes orders, users; total; group web: each 2xx, 429 and p50 judged, except users' (5 requests).
  EXPECT_EQ(report.rows.size(), 4u);
  EXPECT_EQ(report.judged, 9u);
  EXPECT_EQ(report.small, 3u);
  for (const auto& row : report.rows) {
    for (const auto& c : row.cells) {
      ASSERT_TRUE(c.diff) << row.name << " " << c.metric;
      EXPECT_EQ(*c.diff, 0.0) << row.name << " " << c.metric;
    }
  }
  const std::string table = formatAgreeTable(report, {"sample", "simulated, seed 1", "real.json", 60.0, 60.0});
  EXPECT_NE(table.find("agree: 9 judged cells, all within tolerance (3 small ones not judged)"), std::string::npos)
      << table;
}

TEST(AgreeCompare, PerturbedCountsAndLatencyFailNamingTheCell) {
  const AgreeResult sim = agreeRead(agreeSampleRun().toJson());
  nlohmann::json doc = agreeSampleRun().toJson();
  doc["routes"]["orders"]["status"]["429"] = 1320;  // +10%
  doc["routes"]["orders"]["status_4xx"] = 1320;
  doc["routes"]["orders"]["requests"] = 4350;
  doc["groups"]["web"]["latency_ms"]["p50"] = 13.0;  // about +30%
  doc["groups"]["web"]["latency_ms"]["p90"] = 13.0;
  doc["groups"]["web"]["latency_ms"]["p99"] = 13.0;
  const AgreeResult real = agreeRead(doc);
  const AgreeReport report = compareAgreeResults(sim, real, defaultAgreeTolerances(), 20);
  EXPECT_FALSE(report.agrees());
  EXPECT_EQ(report.beyond, 2u);
  const auto failures = report.failures();
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[0], "route orders: 429 count sim 1200 real 1320 (+10.0% > 5%)");
  EXPECT_EQ(failures[1].rfind("group web: p50 sim 10.", 0), 0u) << failures[1];
  EXPECT_NE(failures[1].find(" ms real 13.00 ms (+2"), std::string::npos) << failures[1];
  EXPECT_EQ(agreeCell(report, "route", "orders", "429").verdict, AgreeCell::Verdict::kBeyond);
  EXPECT_NEAR(*agreeCell(report, "route", "orders", "429").diff, 0.10, 1e-12);
  EXPECT_EQ(agreeCell(report, "route", "orders", "requests").verdict, AgreeCell::Verdict::kShown);  // no tolerance
  const std::string table = formatAgreeTable(report, {"sample", "sim.json", "real.json", 60.0, 60.0});
  EXPECT_NE(table.find("DISAGREE: 2 of 9 judged cells beyond tolerance:\n  route orders: 429 count"), std::string::npos)
      << table;
  EXPECT_NE(table.find("  429                            1200         1320    +10.0%         5%  BEYOND\n"),
            std::string::npos)
      << table;

  // A wider tolerance for 429 and none for p50: they agree.
  AgreeTolerances wide = defaultAgreeTolerances();
  std::string why;
  ASSERT_TRUE(parseAgreeTolerances("429=10%,p50=off", wide, why)) << why;
  EXPECT_TRUE(compareAgreeResults(sim, real, wide, 20).agrees());
}

TEST(AgreeCompare, SmallCountsAreShownButNotJudged) {
  const AgreeResult sim = agreeRead(agreeSampleRun().toJson());
  nlohmann::json doc = agreeSampleRun().toJson();
  doc["routes"]["users"]["status_2xx"] = 10;  // 5 -> 10: +100%, but under 20 in both worlds
  doc["routes"]["users"]["requests"] = 10;
  doc["routes"]["users"]["latency_ms"] = {{"p50", 40}, {"p90", 40}, {"p99", 40}, {"max", 40}};
  const AgreeReport report = compareAgreeResults(sim, agreeRead(doc), defaultAgreeTolerances(), 20);
  EXPECT_TRUE(report.agrees());
  EXPECT_EQ(agreeCell(report, "route", "users", "2xx").verdict, AgreeCell::Verdict::kSmall);
  EXPECT_NEAR(*agreeCell(report, "route", "users", "2xx").diff, 1.0, 1e-12);
  EXPECT_EQ(agreeCell(report, "route", "users", "p50").verdict, AgreeCell::Verdict::kSmall);
  // With --min-count 0 the same cells are judged and fail.
  const AgreeReport strict = compareAgreeResults(sim, agreeRead(doc), defaultAgreeTolerances(), 0);
  EXPECT_EQ(strict.beyond, 2u);
  EXPECT_EQ(strict.failures()[0], "route users: 2xx count sim 5 real 10 (+100.0% > 5%)");
}

TEST(AgreeCompare, PercentilesWithinTheMillisecondFloorAgree) {
  nlohmann::json simDoc = agreeSampleRun().toJson();
  simDoc["total"]["latency_ms"]["p50"] = 0.33;
  nlohmann::json realDoc = agreeSampleRun().toJson();
  realDoc["total"]["latency_ms"]["p50"] = 0.26;  // -21%, but 0.07 ms
  const AgreeResult sim = agreeRead(simDoc), real = agreeRead(realDoc);
  EXPECT_FALSE(compareAgreeResults(sim, real, defaultAgreeTolerances(), 20, 0).agrees());
  const AgreeReport floored = compareAgreeResults(sim, real, defaultAgreeTolerances(), 20, 0.1);
  EXPECT_TRUE(floored.agrees());
  EXPECT_EQ(agreeCell(floored, "total", "", "p50").verdict, AgreeCell::Verdict::kWithin);
  EXPECT_FALSE(compareAgreeResults(sim, real, defaultAgreeTolerances(), 20, 0.05).agrees());
}

TEST(AgreeCompare, RowsAndGroupsInOneWorldOnlyAreReportedNotCrashedOn) {
  const AgreeResult sim = agreeRead(agreeSampleRun().toJson());
  nlohmann::json doc = agreeSampleRun().toJson();
  doc["routes"].erase("orders");
  doc["routes"]["extra"] = doc["routes"]["users"];
  doc.erase("groups");
  const AgreeReport report = compareAgreeResults(sim, agreeRead(doc), defaultAgreeTolerances(), 20);
  EXPECT_FALSE(report.agrees());
  const auto& notes = report.notes;
  EXPECT_NE(std::find(notes.begin(), notes.end(), "route orders: only in the simulated result (the other world's counts taken as 0)"),
            notes.end());
  EXPECT_NE(std::find(notes.begin(), notes.end(), "route extra: only in the real result (the other world's counts taken as 0)"),
            notes.end());
  EXPECT_NE(std::find(notes.begin(), notes.end(), "client groups: only the simulated result has them; not compared"),
            notes.end());
  const AgreeCell& orders2xx = agreeCell(report, "route", "orders", "2xx");
  EXPECT_EQ(orders2xx.verdict, AgreeCell::Verdict::kBeyond);
  EXPECT_EQ(*orders2xx.real, 0.0);
  const AgreeCell& ordersP50 = agreeCell(report, "route", "orders", "p50");
  EXPECT_FALSE(ordersP50.real);
  EXPECT_EQ(formatAgreeDiff(ordersP50), "-");
  EXPECT_EQ(agreeCell(report, "route", "extra", "2xx").verdict, AgreeCell::Verdict::kSmall);
  for (const auto& row : report.rows) EXPECT_NE(row.kind, "group");
  const std::string table = formatAgreeTable(report, {"sample", "sim.json", "real.json", 60.0, std::nullopt});
  EXPECT_NE(table.find("route orders (only in the simulated result)\n"), std::string::npos) << table;
}

TEST(AgreeCompare, ErrorKindsOfTheRealWorldAreShownAndJudgedWhenAsked) {
  const AgreeResult sim = agreeRead(agreeSampleRun().toJson());
  nlohmann::json doc = agreeSampleRun().toJson();
  doc["total"]["errors"] = {{"connect", 30}, {"timeout", 2}};
  const AgreeResult real = agreeRead(doc);
  EXPECT_TRUE(real.hasErrorKinds);
  AgreeReport report = compareAgreeResults(sim, real, defaultAgreeTolerances(), 20);
  EXPECT_TRUE(report.agrees());
  const AgreeCell& connect = agreeCell(report, "total", "", "errors:connect");
  EXPECT_EQ(*connect.sim, 0.0);
  EXPECT_EQ(*connect.real, 30.0);
  EXPECT_FALSE(connect.diff);
  EXPECT_EQ(formatAgreeDiff(connect), "new");
  EXPECT_EQ(report.notes.front(), "error kinds: only the real result has them (the other's taken as 0)");
  AgreeTolerances t = defaultAgreeTolerances();
  std::string why;
  ASSERT_TRUE(parseAgreeTolerances("errors=5%", t, why)) << why;
  report = compareAgreeResults(sim, real, t, 20);
  ASSERT_EQ(report.failures().size(), 1u);  // timeout: 2, small
  EXPECT_EQ(report.failures()[0], "total: error connect count sim 0 real 30 (none simulated > 5%)");
}

TEST(AgreeCompare, JsonReportCarriesEveryCellAndTheVerdict) {
  const AgreeResult sim = agreeRead(agreeSampleRun().toJson());
  nlohmann::json doc = agreeSampleRun().toJson();
  doc["total"]["status_2xx"] = 2705;
  const AgreeReport report = compareAgreeResults(sim, agreeRead(doc), defaultAgreeTolerances(), 20);
  const nlohmann::json j = agreeReportJson(report, {"sample", "simulated, seed 1", "real.json", 60.0, std::nullopt});
  EXPECT_EQ(j["agree"], false);
  EXPECT_EQ(j["beyond"], 1);
  EXPECT_EQ(j["min_count"], 20);
  EXPECT_TRUE(j["real"]["seconds"].is_null());
  ASSERT_EQ(j["failures"].size(), 1u);
  EXPECT_EQ(j["failures"][0], "total: 2xx count sim 3005 real 2705 (-10.0% > 5%)");
  const nlohmann::json& total = j["rows"][2];
  EXPECT_EQ(total["kind"], "total");
  EXPECT_TRUE(total["name"].is_null());
  const nlohmann::json& cell = total["cells"][1];
  EXPECT_EQ(cell["metric"], "2xx");
  EXPECT_EQ(cell["unit"], "count");
  EXPECT_EQ(cell["sim"], 3005.0);
  EXPECT_EQ(cell["real"], 2705.0);
  EXPECT_EQ(cell["tolerance"], 0.05);
  EXPECT_EQ(cell["verdict"], "beyond");
  EXPECT_EQ(total["cells"][0]["verdict"], "not judged");
}

}  // namespace
}  // namespace gwsim
