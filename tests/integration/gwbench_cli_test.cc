// gwbench's command line keeps the exit-code table (libgateway/core/exit_code.h): 0 for
// --help, --version and a listing; 1 when a benchmark reports an error of its own; 2 for an
// unknown flag or argument, a value the library refuses (it would print its usage and exit
// 0), or a filter matching no benchmark; 3 when the --benchmark_out file cannot be opened.
// Only the event-queue anchor is ever run, with a tiny minimum time.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "libgateway/core/version.h"
#include "tests/integration/cli_exit.h"
#include "tests/integration/temp_dir.h"

namespace gateway::testing {
namespace {


class GwbenchCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
#ifndef GWBENCH_PATH
    GTEST_SKIP() << "gwbench is not built (GATEWAY_BUILD_BENCH=OFF)";
#endif
  }

  CliResult run(std::vector<std::string> args) {
#ifdef GWBENCH_PATH
    args.insert(args.begin(), GWBENCH_PATH);
#endif
    return runToExit(args, dir_.file("gwbench.err"));
  }

  TempDir dir_;
};

TEST_F(GwbenchCliTest, HelpVersionAndAListingExitZero) {
  const CliResult version = run({"--version"});
  EXPECT_EQ(version.code, 0);
  EXPECT_EQ(version.out, "gwbench " + std::string(gateway::version()) + "\n");
  const CliResult help = run({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_TRUE(contains(help.out, "--benchmark_filter")) << help.out;
  EXPECT_TRUE(contains(help.out, "--version")) << help.out;
  const CliResult list = run({"--benchmark_list_tests=true", "--benchmark_filter=BM_EventQueueAnchor"});
  EXPECT_EQ(list.code, 0) << list.err;
  EXPECT_EQ(list.out, "BM_EventQueueAnchor/repeats:5\n");
}

TEST_F(GwbenchCliTest, ARunThatSucceedsExitsZero) {
  const std::string out = dir_.file("anchor.json");
  const CliResult r = run({"--benchmark_filter=BM_EventQueueAnchor", "--benchmark_min_time=0.001",
                           "--benchmark_format=json", "--benchmark_out=" + out});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "\"BM_EventQueueAnchor/repeats:5_mean\"")) << r.out;
}

TEST_F(GwbenchCliTest, UnknownFlagsAndRefusedValuesExitTwo) {
  const CliResult unknown = run({"--bogus"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_TRUE(contains(unknown.err, "gwbench: unknown flag or argument, or a value its flag does not take: \"--bogus\""))
      << unknown.err;
  const CliResult positional = run({"BM_EventQueueAnchor"});
  EXPECT_EQ(positional.code, 2);
  EXPECT_TRUE(contains(positional.err, "\"BM_EventQueueAnchor\"")) << positional.err;
  const CliResult badInt = run({"--benchmark_repetitions=abc"});
  EXPECT_EQ(badInt.code, 2);
  EXPECT_TRUE(contains(badInt.err, "\"--benchmark_repetitions=abc\"")) << badInt.err;
  // The library itself answers these with its usage text and exit 0.
  const CliResult format = run({"--benchmark_format=xml"});
  EXPECT_EQ(format.code, 2);
  EXPECT_TRUE(contains(format.err, "gwbench: --benchmark_format=xml: expected console, json or csv")) << format.err;
  const CliResult unit = run({"--benchmark_time_unit=hours"});
  EXPECT_EQ(unit.code, 2);
  EXPECT_TRUE(contains(unit.err, "--benchmark_time_unit=hours")) << unit.err;
}

TEST_F(GwbenchCliTest, AFilterMatchingNothingExitsTwo) {
  const CliResult r = run({"--benchmark_filter=NoSuchBenchmark"});
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(contains(r.err, "gwbench: --benchmark_filter=NoSuchBenchmark matches no benchmark")) << r.err;
}

TEST_F(GwbenchCliTest, AnOutputFileThatCannotBeOpenedExitsThree) {
  const std::string nowhere = dir_.file("no-such-dir/out.json");
  const CliResult r = run({"--benchmark_filter=BM_EventQueueAnchor", "--benchmark_out=" + nowhere});
  EXPECT_EQ(r.code, 3);
  EXPECT_TRUE(contains(r.err, "gwbench: --benchmark_out=" + nowhere + ": cannot open the file for writing")) << r.err;
}

TEST_F(GwbenchCliTest, ABenchmarkThatReportsAnErrorExitsOne) {
  // The simulator benchmark on a scenario that does not exist ends with its load error.
  const std::string missing = dir_.file("missing-scenario.json");
  ::setenv("GWBENCH_SIM_SCENARIO", missing.c_str(), 1);
  const CliResult r = run({"--benchmark_filter=BM_SimulateSpeedScenario"});
  ::unsetenv("GWBENCH_SIM_SCENARIO");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "gwbench: BM_SimulateSpeedScenario")) << r.err;
  EXPECT_TRUE(contains(r.err, missing)) << r.err;
  EXPECT_TRUE(contains(r.err, "gwbench: 1 benchmark(s) reported an error")) << r.err;
}

}  // namespace
}  // namespace gateway::testing
