// gwload's command line: the top-level app (help, --version, the exit-status table), the
// subcommands main.cc lists, CLI11's parse errors as one clear line with exit status 2.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "tools/gwload/command.h"

namespace gwload {

extern const char* const kExitStatusHelp;

int runGwload(const std::vector<std::string>& args, const std::vector<AddCommand>& commands, std::ostream& out,
              std::ostream& err);

}  // namespace gwload
