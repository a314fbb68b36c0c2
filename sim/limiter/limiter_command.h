// `gwsim limiter`: replays a request trace through one rate-limit policy and prints each
// decision; `gwsim limiter compare` runs several policies over one trace and reports what
// each admitted; `gwsim limiter gen-trace` writes the traces of scenarios/traces/.
// The Command owns its parsed parameters; the streams in LimiterIo must outlive it.
#pragma once

#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "sim/command.h"

namespace gwsim {

struct LimiterIo {
  std::istream* in = &std::cin;
  std::ostream* out = &std::cout;
  std::ostream* err = &std::cerr;
};

// Registers `limiter` (with `compare` and `gen-trace`) on `app`, using standard streams.
Command addLimiterCommand(CLI::App& app);
Command addLimiterCommand(CLI::App& app, LimiterIo io);

// Parses `args` as gwsim would (without the program name: {"limiter", "--algorithm", ...})
// and runs the chosen command; returns the exit status. For tests and embedding.
int runLimiterCli(const std::vector<std::string>& args, LimiterIo io);

}  // namespace gwsim
