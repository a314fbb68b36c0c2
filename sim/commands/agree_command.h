// `gwsim agree SCENARIO --real REAL.json [--sim SIM.json] [--tolerance 2xx=5%,...]
// [--min-count N] [--seed N] [--duration-s S] [--json] [--quiet]`: the same scenario in
// virtual time and for real (gwload's summary, in the format of `gwsim run --json`), side by
// side per route, in total and per client group, with relative differences judged against
// tolerances. Without --sim it runs the simulation itself, as `gwsim run` does. Exit status:
// 0 every judged cell within its tolerance, 1 one beyond (each listed), 2 a bad flag,
// tolerance, scenario or result file (with its JSON path), 3 the simulation could not run.
#pragma once

#include <CLI/CLI.hpp>

#include "sim/command.h"

namespace gwsim {

Command addAgreeCommand(CLI::App& app);

}  // namespace gwsim
