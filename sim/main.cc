// gwsim: the toolkit's simulator. Each subcommand lives in its own folder and registers
// itself here; the chosen one runs after parsing and gives the exit status.
#include <vector>

#include <CLI/CLI.hpp>

#include "sim/command.h"
#include "sim/commands/compare_command.h"
#include "sim/commands/run_command.h"
#include "sim/limiter/limiter_command.h"

int main(int argc, char** argv) {
  CLI::App app{"gwsim: replay traffic through the gateway core in virtual time"};
  app.require_subcommand(1);
  std::vector<gwsim::Command> commands;
  commands.push_back(gwsim::addRunCommand(app));
  commands.push_back(gwsim::addCompareCommand(app));
  commands.push_back(gwsim::addLimiterCommand(app));
  CLI11_PARSE(app, argc, argv);
  for (auto& c : commands) {
    if (c.app->parsed()) return c.run();
  }
  return 2;
}
