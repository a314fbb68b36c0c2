// gatewayd's command line: every flag, parsed into GatewayOptions, whose commandLine layer
// gets only the flags actually given (they win over the config file). CLI11's own errors
// (an unknown flag, a bad value, a missing file) become one line naming the flag and exit 2;
// --help and --version print to stdout and exit 0.
#pragma once

#include <optional>

#include "libgateway/net/gateway_options.h"

namespace gatewayd {

struct CommandLine {
  gateway::net::GatewayOptions options;  // the built-in defaults, configPath, seed, commandLine
  bool checkOnly = false;                // --check
};

// nullopt to go on with `out`; otherwise the exit code gatewayd should end with now.
std::optional<int> parseCommandLine(int argc, char** argv, CommandLine& out);

}  // namespace gatewayd
