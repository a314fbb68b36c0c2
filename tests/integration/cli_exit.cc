#include "tests/integration/cli_exit.h"

#include "tests/integration/child_process.h"

namespace gateway::testing {

CliResult runToExit(const std::vector<std::string>& argv, const std::string& stderrPath,
                    std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  CliResult result;
  auto child = ChildProcess::start(argv, stderrPath, result.err);
  if (!child) return result;
  const auto deadline = Clock::now() + timeout;
  const auto left = [&] {
    return std::max(std::chrono::milliseconds(0),
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
  };
  // Read stdout to its end (a full pipe would stop the child), then reap it.
  while (auto line = child->readLine(left())) result.out += *line + "\n";
  result.code = child->wait(left());
  result.err = child->stderrText();
  return result;
}

}  // namespace gateway::testing
