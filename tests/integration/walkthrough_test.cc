// The walk-through (tools/walkthrough/WALKTHROUGH.md) still gives the answers it shows:
// tools/walkthrough/check.sh runs every step against the gatewayd and mock-services under
// test, on free loopback ports, and exits 0 only when each step's status, headers and body
// fields hold and each command is the one the page shows. The script bounds itself (90 s);
// this test gives it 120 s and prints its report when it fails.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/integration/child_process.h"
#include "tests/integration/gateway_stack.h"
#include "tests/integration/temp_dir.h"

namespace gateway::testing {
namespace {

using namespace std::chrono_literals;

TEST(Walkthrough, EveryStepGivesItsAnswer) {
  TempDir dir;
  const std::string script = std::string(GATEWAY_SOURCE_DIR) + "/tools/walkthrough/check.sh";
  std::string error;
  auto check = ChildProcess::start({"/bin/bash", script, "--gatewayd", gatewaydPath(), "--mock-services", mockServicesPath()},
                                   dir.file("check.err"), error);
  ASSERT_TRUE(check) << error;
  std::string report;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto line = check->readLine(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    if (!line) break;  // end of output, or the deadline
    report += *line + "\n";
  }
  const auto exitCode = check->wait(10s);
  ASSERT_TRUE(exitCode.has_value()) << "check.sh did not end within its time; so far:\n" << report;
  EXPECT_EQ(*exitCode, 0) << report << check->stderrText();
  EXPECT_NE(report.find(" steps ok, 0 failed"), std::string::npos) << report << check->stderrText();
  EXPECT_EQ(report.find("FAILED"), std::string::npos) << report;
}

}  // namespace
}  // namespace gateway::testing
