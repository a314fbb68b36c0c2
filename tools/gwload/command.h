// A gwload subcommand: the CLI11 app it registered and what runs when it was chosen.
#pragma once

#include <functional>
#include <ostream>

#include <CLI/CLI.hpp>

namespace gwload {

struct Command {
  CLI::App* app = nullptr;
  // Runs after parsing when `app` was the chosen subcommand; returns the exit status.
  std::function<int(std::ostream& out, std::ostream& err)> run;
};

// Registers one subcommand on the top-level app (rate_command.h, ...).
using AddCommand = Command (*)(CLI::App& app);

}  // namespace gwload
