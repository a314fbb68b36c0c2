// gwsim's command line, run as a process: every exit status of the table in
// sim/commands/gwsim_cli.h (0 ok, 1 an expectation failed, 2 bad input or usage, 3 an output
// file could not be written), --help, help, --version, and the errors that name the flag or
// file. No CLI11 exit code (104-109) may reach the shell.
#include <filesystem>

#include <gtest/gtest.h>

#include "libgateway/core/version.h"
#include "tests/sim/gwsim_process.h"

namespace gwsim {
namespace {

using gateway::testing::TempDir;
using testing::runGwsimProcess;
using testing::smallScenario;

class GwsimCli : public ::testing::Test {
 protected:
  testing::GwsimRun gwsim(const std::vector<std::string>& args) { return runGwsimProcess(args, dir_); }
  std::string scenario(const nlohmann::json& doc, const std::string& name = "scenario.json") {
    return dir_.write(name, doc.dump(2));
  }
  TempDir dir_;
};

TEST_F(GwsimCli, HelpExitsZeroWithTheExitCodeTable) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--help"}, {"run", "--help"}, {"compare", "--help"}, {"limiter", "--help"},
                                             {"help"}, {"help", "run"}, {"help", "compare"}}) {
    const auto r = gwsim(args);
    EXPECT_EQ(r.status, 0) << args[0] << "\n" << r.err;
    EXPECT_NE(r.out.find("Usage: gwsim"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("EXIT STATUS"), std::string::npos) << r.out;
    EXPECT_EQ(r.err, "");
  }
  auto r = gwsim({"help", "run"});
  EXPECT_NE(r.out.find("Usage: gwsim run [OPTIONS] scenario"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3  runtime failure"), std::string::npos) << r.out;
  r = gwsim({"help", "limiter", "compare"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("Usage: gwsim limiter compare"), std::string::npos) << r.out;
  r = gwsim({"help", "nope"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "gwsim has no command \"nope\" (run, compare, limiter, agree or help; see: gwsim --help)\n");
}

TEST_F(GwsimCli, VersionPrintsTheToolkitVersion) {
  const auto r = gwsim({"--version"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "gwsim " + std::string(gateway::version()) + "\n");
}

TEST_F(GwsimCli, NoSubcommandPrintsUsageAndExitsTwo) {
  const auto r = gwsim({});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("Usage: gwsim"), std::string::npos) << r.err;
  const std::string last = "gwsim: a subcommand is required: run, compare, limiter, agree or help\n";
  ASSERT_GE(r.err.size(), last.size());
  EXPECT_EQ(r.err.substr(r.err.size() - last.size()), last) << r.err;
}

TEST_F(GwsimCli, UnknownCommandsFlagsAndValuesAreUsageErrors) {
  const std::string file = scenario(smallScenario(10, 1));
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::vector<Case> cases = {
      {{"bogus"}, "gwsim: unknown command \"bogus\" (run, compare, limiter, agree or help) (see: gwsim --help)\n"},
      {{"--bogus"}, "gwsim: unknown option --bogus (see: gwsim --help)\n"},
      {{"run", "--bogus", file}, "gwsim run: unknown option --bogus (see: gwsim run --help)\n"},
      {{"run", file, "more", "args"}, "gwsim run: unexpected arguments: more args (see: gwsim run --help)\n"},
      {{"run"}, "gwsim run: scenario is required (see: gwsim run --help)\n"},
      {{"run", file, "--seed", "abc"}, "gwsim run: could not convert: --seed = abc (see: gwsim run --help)\n"},
      {{"compare", file, "--bogus"}, "gwsim compare: unknown option --bogus (see: gwsim compare --help)\n"},
      {{"compare", file, "--format", "xml"},
       "gwsim compare: --format: xml not in {table,md,json,csv} (see: gwsim compare --help)\n"},
      {{"limiter", "--bogus"}, "gwsim limiter: unknown option --bogus (see: gwsim limiter --help)\n"},
      {{"limiter", "gen-trace"}, "gwsim limiter gen-trace: --kind is required (see: gwsim limiter gen-trace --help)\n"},
  };
  for (const auto& c : cases) {
    const auto r = gwsim(c.args);
    EXPECT_EQ(r.status, 2) << c.err;
    EXPECT_EQ(r.err, c.err);
    EXPECT_EQ(r.out, "") << c.err;
  }
  EXPECT_EQ(gwsim({"run", file, "--duration-s", "0"}).status, 2);
}

TEST_F(GwsimCli, MissingOrMalformedScenarioExitsTwoNamingTheFile) {
  const std::string missing = dir_.file("nope.json");
  for (const char* command : {"run", "compare"}) {
    const auto r = gwsim({command, missing});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err, "gwsim " + std::string(command) + ": cannot read the scenario file " + missing +
                         ": No such file or directory\n");
  }
  const std::string broken = dir_.write("broken.json", "{\n  \"seed\": 1,\n  \"duration_s\": ,\n}\n");
  auto r = gwsim({"run", broken});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("gwsim run: " + broken + " is not a valid scenario:\n  /: invalid JSON at line 3, column"),
            std::string::npos)
      << r.err;
  nlohmann::json bad = smallScenario(10, 1);
  bad["clients"][0]["arrival"]["process"] = "sometimes";
  r = gwsim({"compare", scenario(bad)});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("/clients/0/arrival/process: \"sometimes\" is not one of: poisson, constant"), std::string::npos)
      << r.err;
}

TEST_F(GwsimCli, ExpectationsDecideZeroOrOne) {
  auto r = gwsim({"run", scenario(smallScenario(10, 2, {{"expectations", {"requests == 20", "status_5xx == 0"}}})), "--quiet"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("expectation requests == 20"), std::string::npos) << r.out;
  r = gwsim({"run", scenario(smallScenario(10, 2, {{"expectations", {"requests > 1000", "status_5xx == 0"}}})), "--quiet"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "gwsim run: 1 expectation(s) failed\n");
  EXPECT_NE(r.out.find("FAIL  (actual 20)"), std::string::npos) << r.out;
}

TEST_F(GwsimCli, AnExpectationNamingNothingIsRejectedBeforeTheRun) {
  // An hour of traffic: were it run, the trace file would exist and stdout would have a summary.
  const std::string file = scenario(smallScenario(1000, 3600, {{"expectations", {"p99_ms{route=al} < 5", "status_429{group=nobody} == 0"}}}));
  const std::string trace = dir_.file("trace.csv");
  const std::string out = dir_.file("out");
  auto r = gwsim({"run", file, "--trace", trace, "--out", out});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "gwsim run: " + file + " is not a valid scenario:\n"
                   "  /expectations/0: \"p99_ms{route=al} < 5\": no route \"al\" in this scenario (did you mean \"all\"?); "
                   "its routes: \"all\", \"(none)\"\n"
                   "  /expectations/1: \"status_429{group=nobody} == 0\": no client group \"nobody\" in this scenario; "
                   "its client groups: \"clients\"\n");
  EXPECT_FALSE(std::filesystem::exists(trace));
  EXPECT_FALSE(std::filesystem::exists(out));
  r = gwsim({"compare", file, "--vary", "scenario.seed=1,2"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("no route \"al\""), std::string::npos) << r.err;
}

TEST_F(GwsimCli, UnwritableOutputFilesExitThree) {
  const std::string file = scenario(smallScenario(10, 1));
  const std::string notADirectory = dir_.write("plain.txt", "x");
  auto r = gwsim({"run", file, "--quiet", "--out", notADirectory + "/out"});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("gwsim run: cannot write to the directory " + notADirectory + "/out"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "") << "checked before the run";
  r = gwsim({"run", file, "--quiet", "--trace", dir_.file("no/such/dir/trace.csv")});
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.err, "gwsim run: cannot write the trace to " + dir_.file("no/such/dir/trace.csv") +
                       ": No such file or directory\n");
  r = gwsim({"run", file, "--quiet", "--policy-state", dir_.file("no/such/dir/state.json")});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("gwsim run: cannot write the policy state to "), std::string::npos) << r.err;
  r = gwsim({"limiter", "gen-trace", "--kind", "steady", "--out", dir_.file("no/such/dir/t.csv")});
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.err, "gwsim limiter gen-trace: cannot write " + dir_.file("no/such/dir/t.csv") + "\n");
  // And a writable --out gets its three files.
  r = gwsim({"run", file, "--quiet", "--out", dir_.file("out")});
  EXPECT_EQ(r.status, 0) << r.err;
  for (const char* name : {"summary.json", "timeseries.json", "timeseries.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(dir_.path() / "out" / name)) << name;
  }
}

TEST_F(GwsimCli, ARepeatedVaryPathIsRejected) {
  const std::string file = scenario(smallScenario(10, 1));
  auto r = gwsim({"compare", file, "--vary", "scenario.seed=1,2", "--vary", "scenario.seed=3"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "gwsim compare: --vary scenario.seed given twice; give its values once: --vary scenario.seed=1,2,3\n");
  EXPECT_EQ(r.out, "");
  r = gwsim({"compare", file, "--vary", "scenario.seed=1,2,1"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "gwsim compare: --vary scenario.seed=1,2,1: the value 1 is given twice\n");
  r = gwsim({"compare", file, "--vary", "routes.7.timeout_ms=5"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "gwsim compare: --vary \"routes.7.timeout_ms\": 7 is not an index of the array at routes.7\n");
}

TEST_F(GwsimCli, LimiterTraceErrorsAreBadInput) {
  const std::string trace = dir_.write("trace.csv", "0,a\n1,a,zero\n");
  auto r = gwsim({"limiter", "--algorithm", "gcra", "--rate", "1", "--burst", "1", "--trace", trace});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  r = gwsim({"limiter", "--algorithm", "gcra", "--rate", "1", "--burst", "1", "--trace", dir_.file("none.csv")});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "gwsim limiter: cannot open trace " + dir_.file("none.csv") + "\n");
}

}  // namespace
}  // namespace gwsim
