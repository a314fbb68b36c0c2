// `gwsim compare SCENARIO [--vary PATH=V1,V2,...]... [--format table|md|json|csv]`: runs the
// scenario as written and every combination of the varied values, with the same seed and
// traffic, in parallel on the available cores, and prints one table side by side with the
// meaning of its columns. Exit 1 when any row's expectations failed (with --variants-may-fail:
// when the scenario as written's failed); the table is in sim/commands/gwsim_cli.h.
#pragma once

#include <CLI/CLI.hpp>

#include "sim/command.h"
#include "sim/commands/variation.h"

namespace gwsim {

Command addCompareCommand(CLI::App& app);

}  // namespace gwsim
