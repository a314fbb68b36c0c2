// The exit codes every binary of the toolkit keeps (gatewayd, mock-services, gwsim, gwbench).
// One table, documented in the top README ("Exit codes") and tested per binary:
//   0  ok: the job ran, and every check or expectation it was asked for held
//   1  the job ran, but a check or an expectation it was asked for failed
//   2  bad input or usage: a flag, a config or scenario file, a trace; nothing was run
//   3  runtime failure: the job started but could not go on (a port in use, a lost file)
#pragma once

namespace gateway {

enum ExitCode : int {
  kExitOk = 0,
  kExitCheckFailed = 1,
  kExitBadInput = 2,
  kExitRuntime = 3,
};

}  // namespace gateway
