// mock-services' command line: --help documents every endpoint and exits 0, --version prints
// the toolkit's version, and the exit codes follow libgateway/core/exit_code.h (2 for bad
// flags or config, never CLI11's own codes; 3 when a port cannot be bound).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "libgateway/core/exit_code.h"
#include "libgateway/core/version.h"
#include "tests/integration/cli_exit.h"
#include "tests/integration/gateway_stack.h"
#include "tests/integration/loopback_listener.h"
#include "tests/integration/temp_dir.h"

namespace gateway::testing {
namespace {

using namespace std::chrono_literals;

// Runs mock-services with `args` to its end (bounded: 20 s, then the child is killed).
CliResult runMocks(const TempDir& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {mockServicesPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  CliResult run = runToExit(argv, dir.file("mocks.err"), 20s);
  EXPECT_TRUE(run.code) << "mock-services did not start or did not end: " << run.err;
  return run;
}

TEST(MockServicesCli, HelpListsEveryEndpointAndExitsZero) {
  TempDir dir;
  const CliResult run = runMocks(dir, {"--help"});
  ASSERT_EQ(run.code, kExitOk) << run.err;
  for (const char* needle :
       {"--config", "/_faults", "/_stats", "/_health", "/_echo", "POST /_faults", "DELETE /_faults", "x-fault-abort",
        "/orders?userId=N", "/reviews?productId=N", "/recommendations?userId=N", "/inventory/{productId}",
        "POST /payments", "/users/{id}", "/products/{id}", "\"kind\": \"abort\"", "\"instances\"", "\"spec\"",
        "SIGTERM", "Ctrl-C", "Exit codes", "README.md"}) {
    EXPECT_NE(run.out.find(needle), std::string::npos) << "--help does not mention " << needle << ":\n" << run.out;
  }
}

TEST(MockServicesCli, VersionPrintsTheToolkitVersion) {
  TempDir dir;
  const CliResult run = runMocks(dir, {"--version"});
  ASSERT_EQ(run.code, kExitOk) << run.err;
  EXPECT_EQ(run.out, std::string(version()) + "\n");
}

TEST(MockServicesCli, UnknownFlagIsBadUsage) {
  TempDir dir;
  const CliResult run = runMocks(dir, {"--no-such-flag"});
  EXPECT_EQ(run.code, kExitBadInput);
  EXPECT_NE(run.err.find("--no-such-flag"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("--help"), std::string::npos) << run.err;
}

TEST(MockServicesCli, FlagErrorsAreBadUsageNotCli11Codes) {
  TempDir dir;
  // A missing value, a value of the wrong type, a missing file, conflicting flags, no config.
  const std::vector<std::vector<std::string>> cases = {
      {"--config"}, {"--seed", "many"}, {"--config", dir.file("missing.json")},
      {"--use-scenario-ports"}, {}};
  for (const auto& args : cases) {
    const CliResult run = runMocks(dir, args);
    std::string shown;
    for (const auto& a : args) shown += a + " ";
    EXPECT_EQ(run.code, kExitBadInput) << "args: " << shown << "\n" << run.err;
    EXPECT_NE(run.err.find("mock-services: "), std::string::npos) << "args: " << shown << "\n" << run.err;
  }
}

TEST(MockServicesCli, BadConfigIsBadInputWithThePath) {
  TempDir dir;
  const std::string path = dir.write("mocks.json", R"({"services": [{"name": "users", "port": "many"}]})");
  const CliResult run = runMocks(dir, {"--config", path});
  EXPECT_EQ(run.code, kExitBadInput);
  EXPECT_NE(run.err.find("/services/0/port"), std::string::npos) << run.err;
  EXPECT_TRUE(run.out.empty()) << "no ready line for a bad config: " << run.out;
}

TEST(MockServicesCli, PortInUseIsARuntimeFailure) {
  TempDir dir;
  LoopbackListener taken(1);  // holds the port for the whole test
  const std::string path = dir.write(
      "mocks.json", R"({"services": [{"name": "users", "port": )" + std::to_string(taken.port()) + "}]}");
  const CliResult run = runMocks(dir, {"--config", path});
  EXPECT_EQ(run.code, kExitRuntime);
  EXPECT_NE(run.err.find("users-1"), std::string::npos) << "the error names the instance: " << run.err;
  EXPECT_TRUE(run.out.empty()) << "no ready line when a port cannot be bound: " << run.out;
}

}  // namespace
}  // namespace gateway::testing
