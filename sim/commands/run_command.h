// `gwsim run SCENARIO [--seed N] [--out DIR] [--trace FILE] [--policy-state FILE]`: replays one
// scenario in virtual time and prints the per-route summary, the expectations and the trace
// hash; --policy-state also writes the gateway's policy report at the end of the run.
#pragma once

#include <CLI/CLI.hpp>

#include "sim/command.h"

namespace gwsim {

Command addRunCommand(CLI::App& app);

}  // namespace gwsim
