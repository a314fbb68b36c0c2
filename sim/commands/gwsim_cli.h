// gwsim's command line as a whole: the subcommands (run, compare, limiter, agree, help), --version,
// and the one exit-code table every subcommand keeps (libgateway/core/exit_code.h):
//   0 done, and every expectation held; 1 the run finished but an expectation failed;
//   2 bad input or usage (a flag, the scenario file, a trace), nothing was run;
//   3 runtime failure (an output file could not be written).
// A command-line error is one line on stderr naming the flag or file, and exit 2: none of
// CLI11's own exit codes (105, 106, 109, ...) reaches the shell.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace gwsim {

// The exit-status section of every gwsim help text.
extern const char* const kExitStatusHelp;

// Parses `args` (without the program name) on `app`. nullopt: parsed, go on and run the
// chosen command. Otherwise the exit status to return: 0 after printing --help or --version
// to `out`, 2 after printing the error to `err` as "gwsim run: <what> (see: gwsim run --help)".
std::optional<int> parseArguments(CLI::App& app, const std::vector<std::string>& args, std::ostream& out,
                                  std::ostream& err);

// "" when `path` can be opened for reading, else why not ("No such file or directory").
std::string unreadableFile(const std::string& path);

// The whole of gwsim: parses `args` (without the program name), runs the chosen command and
// returns its exit status. Help, version and command-line errors go to `out` and `err`; the
// commands themselves write to the standard streams.
int runGwsim(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace gwsim
