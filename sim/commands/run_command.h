// `gwsim run SCENARIO [--seed N] [--out DIR] [--trace FILE]`: replays one scenario in
// virtual time and prints the per-route summary, the expectations and the trace hash.
#pragma once

#include <CLI/CLI.hpp>

#include "sim/command.h"

namespace gwsim {

Command addRunCommand(CLI::App& app);

}  // namespace gwsim
