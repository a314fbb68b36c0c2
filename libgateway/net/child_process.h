// A child process (gwload's scenario stack, the integration tests): started with posix_spawn,
// stdout on a pipe read line by line with a deadline, stderr to a file; SIGKILLed and reaped
// on destruction, so a failure never leaves a process behind. Waiting uses a pidfd (no sleep loops).
// Not thread-safe; one owner.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gateway::net {

class ChildProcess {
 public:
  // argv[0] is the executable path. Null with `error` set when it cannot start.
  static std::unique_ptr<ChildProcess> start(const std::vector<std::string>& argv, const std::string& stderrPath,
                                             std::string& error);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The next stdout line (without '\n'), or nullopt at EOF or when `timeout` passes.
  std::optional<std::string> readLine(std::chrono::milliseconds timeout);
  void signal(int sig);
  // The exit code (128 + signal number when killed by one), or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();
  pid_t pid() const { return pid_; }
  // What the child wrote to stderr so far.
  std::string stderrText() const;

 private:
  ChildProcess() = default;
  pid_t pid_ = -1;
  int stdoutFd_ = -1;
  int pidFd_ = -1;
  std::string stdoutBuffer_;
  std::string stderrPath_;
  std::optional<int> exitCode_;
};

}  // namespace gateway::net
