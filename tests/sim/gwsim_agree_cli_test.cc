// `gwsim agree` as a user runs it, as a process: a summary of `gwsim run --json` compared with
// the same scenario simulated again agrees (exit 0, every diff 0); a real file with 10% more
// 2xx fails (exit 1, the cell named); bad tolerances, broken or missing files, an invalid
// scenario and conflicting flags exit 2 with a message naming the file, the JSON path or the
// item.
#include <gtest/gtest.h>

#include "tests/sim/gwsim_process.h"

namespace gwsim {
namespace {

using gateway::testing::TempDir;
using testing::runGwsimProcess;
using testing::smallScenario;

class GwsimAgree : public ::testing::Test {
 protected:
  void SetUp() override {
    scenario_ = dir_.write("scenario.json", smallScenario(50, 2).dump(2));
    const auto run = gwsim({"run", scenario_, "--json", "--quiet"});
    ASSERT_EQ(run.status, 0) << run.err;
    simText_ = run.out;
    simFile_ = dir_.write("sim.json", simText_);
  }
  testing::GwsimRun gwsim(const std::vector<std::string>& args) { return runGwsimProcess(args, dir_); }
  // The saved summary with every row's 2xx (and requests) scaled by `factor`.
  std::string perturbed(double factor) {
    nlohmann::json doc = nlohmann::json::parse(simText_);
    auto scale = [factor](nlohmann::json& row) {
      const auto more = static_cast<std::uint64_t>(row["status_2xx"].get<double>() * factor + 0.5) -
                        row["status_2xx"].get<std::uint64_t>();
      row["status_2xx"] = row["status_2xx"].get<std::uint64_t>() + more;
      row["requests"] = row["requests"].get<std::uint64_t>() + more;
    };
    scale(doc["total"]);
    for (auto& [_, row] : doc["routes"].items()) scale(row);
    for (auto& [_, row] : doc["groups"].items()) scale(row);
    return dir_.write("real.json", doc.dump(2));
  }
  TempDir dir_;
  std::string scenario_, simText_, simFile_;
};

TEST_F(GwsimAgree, TheSameScenarioSimulatedAgainAgreesWithEveryDiffZero) {
  auto r = gwsim({"agree", scenario_, "--real", simFile_, "--quiet"});
  EXPECT_EQ(r.status, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("gwsim agree: scenario small\n  sim:  simulated, seed 7, 2.0 s\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  2xx                             100          100      0.0%         5%  ok\n"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("agree: 6 judged cells, all within tolerance"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");

  r = gwsim({"agree", scenario_, "--real", simFile_, "--sim", simFile_, "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["agree"], true);
  EXPECT_EQ(j["sim"]["source"], simFile_);
  for (const auto& row : j["rows"]) {
    for (const auto& cell : row["cells"]) EXPECT_EQ(cell["diff"], 0.0) << row << cell;
  }
}

TEST_F(GwsimAgree, TenPercentMore2xxFailsNamingTheCell) {
  const std::string real = perturbed(1.10);
  auto r = gwsim({"agree", scenario_, "--real", real, "--sim", simFile_});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.out.find("DISAGREE: 3 of 6 judged cells beyond tolerance:\n"
                       "  route all: 2xx count sim 100 real 110 (+10.0% > 5%)\n"
                       "  total: 2xx count sim 100 real 110 (+10.0% > 5%)\n"
                       "  group clients: 2xx count sim 100 real 110 (+10.0% > 5%)\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.err, "gwsim agree: 3 of 6 judged cells beyond tolerance\n");
  // Within a wider tolerance, or under a --min-count above the counts, it agrees.
  EXPECT_EQ(gwsim({"agree", scenario_, "--real", real, "--sim", simFile_, "--tolerance", "2xx=10%"}).status, 0);
  EXPECT_EQ(gwsim({"agree", scenario_, "--real", real, "--sim", simFile_, "--min-count", "200"}).status, 0);
  // 4% more is within the default 5%.
  EXPECT_EQ(gwsim({"agree", scenario_, "--real", perturbed(1.04), "--quiet"}).status, 0);
}

TEST_F(GwsimAgree, BadTolerancesAndFlagsExitTwo) {
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::vector<Case> cases = {
      {{"agree", scenario_, "--real", simFile_, "--tolerance", "2xx=five"},
       "gwsim agree: --tolerance \"2xx=five\": \"five\" in \"2xx=five\" is not a percentage (5%, 0.5%) or off "
       "(see: gwsim agree --help)\n"},
      {{"agree", scenario_, "--real", simFile_, "--tolerance", "p50=20%", "--tolerance", "p95=1%"},
       "gwsim agree: --tolerance \"p95=1%\": unknown metric \"p95\" in \"p95=1%\" (requests, 2xx, 3xx, 4xx, 429, 5xx, "
       "p50, p90, p99, errors) (see: gwsim agree --help)\n"},
      {{"agree", scenario_}, "gwsim agree: --real is required (see: gwsim agree --help)\n"},
      {{"agree", scenario_, "--real", simFile_, "--sim", simFile_, "--seed", "3"},
       "gwsim agree: --sim excludes --seed (see: gwsim agree --help)\n"},
      {{"agree", scenario_, "--real", simFile_, "--min-count", "-1"},
       "gwsim agree: --min-count: Value -1 not in range 0 to 1000000000000 (see: gwsim agree --help)\n"},
  };
  for (const auto& c : cases) {
    const auto r = gwsim(c.args);
    EXPECT_EQ(r.status, 2) << c.args.back();
    EXPECT_EQ(r.err, c.err) << c.args.back();
    EXPECT_EQ(r.out, "");
  }
}

TEST_F(GwsimAgree, BrokenOrMissingFilesExitTwoNamingTheFileAndPath) {
  const std::string missing = dir_.file("nope.json");
  auto r = gwsim({"agree", scenario_, "--real", missing});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "gwsim agree: cannot read the --real result " + missing + ": No such file or directory\n");

  nlohmann::json doc = nlohmann::json::parse(simText_);
  doc["routes"]["all"].erase("latency_ms");
  doc["total"]["status_2xx"] = "many";
  const std::string broken = dir_.write("broken.json", doc.dump());
  r = gwsim({"agree", scenario_, "--real", simFile_, "--sim", broken});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "gwsim agree: the --sim result " + broken + " is not a run summary (the format of gwsim run --json):\n  " +
                       broken + ": /total/status_2xx: expected an integer, got string\n  " + broken +
                       ": /routes/all/latency_ms: required field is missing\n");
  EXPECT_EQ(r.out, "");

  const std::string text = dir_.write("text.json", "{\"total\": {");
  r = gwsim({"agree", scenario_, "--real", text});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(text + ": /: invalid JSON at line 1, column 12"), std::string::npos) << r.err;

  const std::string badScenario = dir_.write("bad-scenario.json", "{\"name\": 3}");
  r = gwsim({"agree", badScenario, "--real", simFile_});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("gwsim agree: " + badScenario + " is not a valid scenario:\n"), std::string::npos) << r.err;
}

TEST_F(GwsimAgree, ARouteInOneWorldOnlyIsReported) {
  nlohmann::json doc = nlohmann::json::parse(simText_);
  doc["routes"]["other"] = doc["routes"]["all"];
  const std::string real = dir_.write("real.json", doc.dump());
  const auto r = gwsim({"agree", scenario_, "--real", real, "--sim", simFile_});
  EXPECT_EQ(r.status, 1) << r.err;  // other's 100 x 2xx were not simulated
  EXPECT_NE(r.out.find("route other (only in the real result)\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("note: route other: only in the real result"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  route other: 2xx count sim 0 real 100 (none simulated > 5%)\n"), std::string::npos) << r.out;
}

TEST_F(GwsimAgree, HelpListsTheToleranceSyntaxAndExitCodes) {
  const auto r = gwsim({"agree", "--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("Usage: gwsim agree [OPTIONS] scenario"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2xx=5%,429=5%,p50=20%"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("agree: the simulation could not run"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace gwsim
