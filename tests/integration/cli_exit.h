// Runs a binary of the toolkit to its end, for tests of its command line: what it printed on
// stdout and stderr and its exit code. Bounded by a timeout; the child is killed after it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace gateway::testing {

struct CliResult {
  std::optional<int> code;  // nullopt: it did not end within the timeout (or did not start)
  std::string out;          // stdout
  std::string err;          // stderr, or why it could not start
};

// argv[0] is the executable; stderr goes to `stderrPath`.
CliResult runToExit(const std::vector<std::string>& argv, const std::string& stderrPath,
                    std::chrono::milliseconds timeout = std::chrono::seconds(20));

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace gateway::testing
