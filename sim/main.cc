// gwsim: the toolkit's simulator. The command line (subcommands, help, --version, exit
// codes) is sim/commands/gwsim_cli; each subcommand lives in its own file.
#include <iostream>
#include <string>
#include <vector>

#include "sim/commands/gwsim_cli.h"

int main(int argc, char** argv) {
  return gwsim::runGwsim(std::vector<std::string>(argv + 1, argv + argc), std::cout, std::cerr);
}
