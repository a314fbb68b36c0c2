#include "tools/gwload/gwload_cli.h"

#include <cctype>

#include "libgateway/core/exit_code.h"
#include "libgateway/core/version.h"

namespace gwload {

const char* const kExitStatusHelp =
    "EXIT STATUS\n"
    "  0  the run finished and every --expect held\n"
    "  1  the run finished, but an --expect failed (each failed one is printed with its value)\n"
    "  2  bad input or usage: a flag, a URL, an --expect expression; nothing was sent\n"
    "  3  nothing could be measured: no request got a response (e.g. connection refused)";

namespace {

std::string chosenPath(const CLI::App& app) {
  std::string path = app.get_name();
  const CLI::App* at = &app;
  while (!at->get_subcommands().empty()) {
    at = at->get_subcommands().front();
    path += " " + at->get_name();
  }
  return path;
}

std::string lowerFirst(std::string what) {
  if (what.size() > 1 && std::isupper(static_cast<unsigned char>(what[0])) &&
      std::islower(static_cast<unsigned char>(what[1]))) {
    what[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(what[0])));
  }
  return what;
}

}  // namespace

int runGwload(const std::vector<std::string>& args, const std::vector<AddCommand>& adders, std::ostream& out,
              std::ostream& err) {
  CLI::App app{"gwload: open-loop HTTP load at a fixed rate, latency corrected for coordinated omission"};
  app.name("gwload");
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", "gwload " + std::string(gateway::version()), "Print \"gwload VERSION\" and exit");
  app.footer(std::string("Run 'gwload COMMAND --help' for a command's options.\n\n") + kExitStatusHelp);
  std::vector<Command> commands;
  for (AddCommand add : adders) commands.push_back(add(app));
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them reversed
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      app.exit(e, out, err);  // --help, --version
      return gateway::kExitOk;
    }
    const std::string path = chosenPath(app);
    err << path << ": " << lowerFirst(e.what()) << " (see: " << path << " --help)\n";
    return gateway::kExitBadInput;
  }
  for (auto& c : commands) {
    if (c.app->parsed()) return c.run(out, err);
  }
  err << app.help() << "\ngwload: a command is required (see: gwload --help)\n";
  return gateway::kExitBadInput;
}

}  // namespace gwload
