// `gwsim limiter` end to end through runLimiterCli: output, exit status, error messages.
#include <gtest/gtest.h>

#include <sstream>

#include "sim/limiter/limiter_command.h"
#include "sim/limiter/trace_generator.h"

namespace gwsim {
namespace {

struct CliRun {
  int status;
  std::string out;
  std::string err;
};

CliRun run(const std::vector<std::string>& args, const std::string& input = "") {
  std::istringstream in(input);
  std::ostringstream out, err;
  const int status = runLimiterCli(args, LimiterIo{&in, &out, &err});
  return {status, out.str(), err.str()};
}

TEST(LimiterCommandTest, ReplaysStandardInput) {
  const CliRun r = run({"limiter", "--algorithm", "token_bucket", "--rate", "10", "--burst", "2"},
                    "t_us,key\n0,a\n0,a\n0,a\n100000,a\n");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "0,a,allow,0,0,1\n0,a,allow,0,0,0\n0,a,deny,0,100000,0\n100000,a,allow,0,0,0\n");
}

TEST(LimiterCommandTest, FixedWindowFromAFileWithHeaderAndSummary) {
  const std::string path = std::string(GATEWAY_SOURCE_DIR) + "/scenarios/traces/boundary_burst.csv";
  const CliRun r = run({"limiter", "--algorithm", "fixed_window", "--limit", "100", "--window-ms", "1000", "--trace", path,
                     "--header", "--summary"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("t_us,key,decision,delay_us,retry_after_us,remaining\n1900000,client-a,allow,0,0,99\n", 0), 0u);
  EXPECT_NE(r.err.find("2.00x"), std::string::npos) << r.err;
}

TEST(LimiterCommandTest, MissingAndUnusedParametersAreUsageErrors) {
  CliRun r = run({"limiter", "--algorithm", "token_bucket", "--rate", "10"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "gwsim limiter: token_bucket needs --burst\n");
  r = run({"limiter", "--algorithm", "sliding_log", "--limit", "5", "--window-ms", "100", "--rate", "3"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "gwsim limiter: sliding_log does not use --rate (it takes --limit and --window-ms)\n");
  r = run({"limiter", "--algorithm", "concurrency", "--limit", "5"});
  EXPECT_EQ(r.err, "gwsim limiter: concurrency needs --hold-ms\n");
  r = run({"limiter", "--algorithm", "gcra", "--rate", "1.0005", "--burst", "1"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("at most 3 decimals"), std::string::npos);
  r = run({"limiter", "--algorithm", "nope"});
  EXPECT_NE(r.err.find("unknown algorithm \"nope\""), std::string::npos);
  r = run({"limiter", "--algorithm", "gcra", "--rate", "1", "--burst", "0"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("burst must be between 1"), std::string::npos);
  r = run({"limiter", "--algorithm", "gcra", "--rate", "1", "--burst", "x"});
  EXPECT_EQ(r.status, 2);  // CLI11's conversion error, mapped to 2
  EXPECT_EQ(r.err, "gwsim limiter: could not convert: --burst = x (see: gwsim limiter --help)\n");
}

TEST(LimiterCommandTest, MalformedTraceNamesTheLinesAndReplaysNothing) {
  const CliRun r = run({"limiter", "--algorithm", "gcra", "--rate", "1", "--burst", "1"}, "0,a\n1,a,zero\n\n2\n");
  EXPECT_EQ(r.status, 2);  // bad input: nothing was run
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "<stdin>:2: cost \"zero\" is not an integer from 1 to 1000000000\n"
            "<stdin>:4: expected t_us,key[,cost] but found 1 field\n");
  EXPECT_EQ(run({"limiter", "compare", "--trace", "/no/such/file", "--algorithms", "gcra", "--rate", "1", "--burst", "1"})
                .status,
            2);
}

TEST(LimiterCommandTest, CompareInCsv) {
  const std::string path = std::string(GATEWAY_SOURCE_DIR) + "/scenarios/traces/steady_at_limit.csv";
  const CliRun r = run({"limiter", "compare", "--trace", path, "--algorithms", "token_bucket,sliding_counter", "--rate",
                     "100", "--burst", "1", "--limit", "100", "--window-ms", "1000", "--format", "csv"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("algorithm,requests,", 0), 0u);
  EXPECT_NE(r.out.find("\ntoken_bucket,2000,2000,0,1000000,100,client-a,100,1.0000,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nsliding_counter,2000,"), std::string::npos);
}

TEST(LimiterCommandTest, CompareChecksParametersAcrossAlgorithms) {
  CliRun r = run({"limiter", "compare", "--trace", "-", "--algorithms", "token_bucket,fixed_window", "--rate", "1",
               "--burst", "1", "--limit", "3"});
  EXPECT_EQ(r.err, "gwsim limiter: fixed_window needs --window-ms\n");
  r = run({"limiter", "compare", "--trace", "-", "--algorithms", "gcra", "--rate", "1", "--burst", "1", "--hold-ms", "5"});
  EXPECT_EQ(r.err, "gwsim limiter: gcra does not use --hold-ms (it takes --rate and --burst)\n");
  r = run({"limiter", "compare", "--trace", "-", "--algorithms", "gcra,sliding_log", "--rate", "1", "--burst", "1",
           "--limit", "1", "--window-ms", "5", "--hold-ms", "5"});
  EXPECT_EQ(r.err, "gwsim limiter: none of the algorithms uses --hold-ms\n");
  r = run({"limiter", "compare", "--trace", "-", "--algorithms", "gcra,gcra", "--rate", "1", "--burst", "1"});
  EXPECT_NE(r.err.find("twice"), std::string::npos);
  r = run({"limiter", "compare", "--algorithms", "gcra", "--rate", "1", "--burst", "1"});
  EXPECT_EQ(r.status, 2);  // --trace is required
  EXPECT_EQ(r.err, "gwsim limiter compare: --trace is required (see: gwsim limiter compare --help)\n");
}

TEST(LimiterCommandTest, GenTraceWritesTheGeneratorsOutput) {
  const CliRun r = run({"limiter", "gen-trace", "--kind", "poisson", "--seed", "3"});
  EXPECT_EQ(r.status, 0);
  std::ostringstream expected;
  generateTrace(TraceKind::kPoisson, 3, expected);
  EXPECT_EQ(r.out, expected.str());
}

TEST(LimiterCommandTest, HelpDocumentsTheFormats) {
  const CliRun r = run({"limiter", "--help"});
  EXPECT_EQ(r.status, 0);
  for (const char* text : {"t_us,key[,cost]", "t_us,key,allow|deny,delay_us,retry_after_us,remaining", "--hold-ms",
                           "compare", "gen-trace", "EXIT STATUS"}) {
    EXPECT_NE(r.out.find(text), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace gwsim
