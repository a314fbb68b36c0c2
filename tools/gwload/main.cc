// gwload: the toolkit's load generator. Each subcommand lives in its own file and registers
// itself here, one line each.
#include <iostream>
#include <string>
#include <vector>

#include "tools/gwload/gwload_cli.h"
#include "tools/gwload/rate_command.h"
#include "tools/gwload/scenario_command.h"

int main(int argc, char** argv) {
  const std::vector<gwload::AddCommand> commands = {
      gwload::addRateCommand,
      gwload::addScenarioCommand,
  };
  return gwload::runGwload(std::vector<std::string>(argv + 1, argv + argc), commands, std::cout, std::cerr);
}
