// A gwsim subcommand: the CLI11 app it registered and what runs when it was chosen.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace gwsim {

struct Command {
  CLI::App* app = nullptr;
  // Runs after parsing when `app` was the chosen subcommand; returns the exit status.
  std::function<int()> run;
};

}  // namespace gwsim
