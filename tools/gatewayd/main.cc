// gatewayd: the API gateway for real. Loads a declarative config, serves HTTP/1.1 on the
// listen address with N worker threads, and the admin API on its own address; listener
// settings come from the config's "server" section, overridden by flags (flags.h). Prints one
// JSON line with the bound addresses on stdout once listening (port 0 picks free ports), so
// scripts and tests can find it. No access log unless --access-log or server.access_log
// names a file or "-" (stdout).
// Exit status (libgateway/core/exit_code.h, the top README's "Exit codes"):
//   0  a clean or drained stop; --help, --version; --check found the settings valid
//   1  --check only: the settings are valid, but the access log they name cannot be written
//   2  bad usage, flags or config (including a gwsim scenario given as the config); nothing
//      was bound
//   3  could not start: an address in use or not bindable, the access log cannot be opened
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "libgateway/config/config_loader.h"
#include "libgateway/core/exit_code.h"
#include "libgateway/net/gateway_server.h"
#include "libgateway/net/preflight.h"
#include "tools/gatewayd/config_hints.h"
#include "tools/gatewayd/flags.h"

namespace {

std::string describe(const gateway::net::GatewayOptions& s) {
  const std::string log = s.accessLogPath.empty() ? "no access log"
                          : s.accessLogPath == "-" ? "access log on stdout"
                                                   : fmt::format("access log \"{}\"", s.accessLogPath);
  return fmt::format("listen {}, admin {}, {} thread(s), {}", s.listen, s.admin, s.threads, log);
}

}  // namespace

int main(int argc, char** argv) {
  gatewayd::CommandLine cmd;
  if (const auto code = gatewayd::parseCommandLine(argc, argv, cmd)) return *code;
  const std::string& path = cmd.options.configPath;

  // Everything that can be checked without binding, for --check and for the start alike.
  const gateway::ConfigLoad load = gateway::loadConfigFile(path);
  if (!load.ok()) {
    gatewayd::reportConfigErrors(path, load.errors);
    return gateway::kExitBadInput;
  }
  const auto problems = gateway::net::layeredSettingsProblems(cmd.options, load.config->server, path);
  for (const auto& p : problems) fmt::print(stderr, "gatewayd: {}\n", p);
  if (!problems.empty()) return gateway::kExitBadInput;
  const gateway::net::GatewayOptions settings = gateway::net::resolveOptions(cmd.options, load.config->server);

  if (cmd.checkOnly) {
    std::string why;
    if (!gateway::net::accessLogWritable(settings.accessLogPath, why)) {
      fmt::print(stderr, "gatewayd: {}: the settings are valid, but {}\n", path, why);
      return gateway::kExitCheckFailed;
    }
    fmt::print("gatewayd: {}: ok ({})\n", path, describe(settings));
    return gateway::kExitOk;
  }

  std::signal(SIGPIPE, SIG_IGN);
  std::string error;
  gateway::FieldErrors configErrors;
  auto server = gateway::net::GatewayServer::create(cmd.options, error, configErrors);
  if (!server) {
    // The file was valid a moment ago; it can only have changed since.
    for (const auto& e : configErrors.list()) fmt::print(stderr, "gatewayd: {}: {}\n", path, e.str());
    fmt::print(stderr, "gatewayd: {}\n", error);
    return configErrors.empty() ? gateway::kExitRuntime : gateway::kExitBadInput;
  }
  const nlohmann::json ready = {{"listen", server->listenAddress()},
                                {"admin", server->adminAddress()},
                                {"threads", server->threads()},
                                {"pid", static_cast<long>(::getpid())}};
  fmt::print("{}\n", ready.dump());
  std::fflush(stdout);
  return server->run();
}
