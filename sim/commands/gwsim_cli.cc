#include "sim/commands/gwsim_cli.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "libgateway/core/exit_code.h"
#include "libgateway/core/version.h"
#include "sim/command.h"
#include "sim/commands/agree_command.h"
#include "sim/commands/compare_command.h"
#include "sim/commands/run_command.h"
#include "sim/limiter/limiter_command.h"

namespace gwsim {

const char* const kExitStatusHelp =
    "EXIT STATUS (every gwsim command)\n"
    "  0  done, and every expectation held\n"
    "  1  the run finished, but an expectation failed (compare: in any row, unless\n"
    "     --variants-may-fail; agree: a compared cell beyond its tolerance)\n"
    "  2  bad input or usage: a flag, the scenario file, a trace; nothing was run\n"
    "  3  runtime failure: an output file (--out, --trace, --policy-state, gen-trace --out)\n"
    "     could not be written; agree: the simulation could not run";

namespace {

// "gwsim", "gwsim run", "gwsim limiter compare": the deepest command chosen so far.
std::string commandPath(const CLI::App& app, const CLI::App*& at) {
  std::string path = app.get_name();
  at = &app;
  while (!at->get_subcommands().empty()) {
    at = at->get_subcommands().front();
    path += " " + at->get_name();
  }
  return path;
}

std::string commandNames(const CLI::App& app) {
  std::string out;
  const auto subs = app.get_subcommands([](const CLI::App*) { return true; });
  for (std::size_t i = 0; i < subs.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == subs.size() ? " or " : ", ") + subs[i]->get_name();
  }
  return out;
}

// CLI11's message, as one lower-case line; extra arguments named as unknown commands/options.
std::string describe(const CLI::ParseError& e, const CLI::App& app, const CLI::App* at) {
  std::string what = e.what();
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    const auto colon = what.find(": ");
    // CLI11 lists them last first (the arguments are parsed from a reversed list).
    std::string items, rest = colon == std::string::npos ? what : what.substr(colon + 2);
    while (!rest.empty()) {
      const auto space = rest.find(' ');
      const std::string item = rest.substr(0, space);
      items = items.empty() ? item : item + " " + items;
      rest = space == std::string::npos ? "" : rest.substr(space + 1);
    }
    if (at == &app && !items.empty() && items[0] != '-') {
      return "unknown command \"" + items.substr(0, items.find(' ')) + "\" (" + commandNames(app) + ")";
    }
    if (items.find(' ') != std::string::npos) return "unexpected arguments: " + items;
    return (items[0] == '-' ? "unknown option " : "unexpected argument ") + items;
  }
  if (what.size() > 1 && std::isupper(static_cast<unsigned char>(what[0])) &&
      std::islower(static_cast<unsigned char>(what[1]))) {
    what[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(what[0])));
  }
  return what;
}

const CLI::App* findCommand(const CLI::App& at, const std::string& name) {
  for (const CLI::App* sub : at.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == name) return sub;
  }
  return nullptr;
}

// `gwsim help [COMMAND [SUBCOMMAND]]`.
int showHelp(const CLI::App& app, const std::vector<std::string>& topic, std::ostream& out, std::ostream& err) {
  const CLI::App* at = &app;
  std::string atPath = app.get_name();
  for (const auto& name : topic) {
    const CLI::App* sub = findCommand(*at, name);
    if (!sub) {
      err << atPath << " has no command \"" << name << "\" (" << commandNames(*at) << "; see: " << atPath
          << " --help)\n";
      return gateway::kExitBadInput;
    }
    atPath += " " + name;
    at = sub;
  }
  // Not at->help(): that would show the help of the chosen command, `help` itself.
  out << at->get_formatter()->make_help(at, atPath, CLI::AppFormatMode::Normal);
  return gateway::kExitOk;
}

}  // namespace

std::optional<int> parseArguments(CLI::App& app, const std::vector<std::string>& args, std::ostream& out,
                                  std::ostream& err) {
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes them reversed
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) {
      app.exit(e, out, err);  // --help, --help-all, --version
      return gateway::kExitOk;
    }
    const CLI::App* at = nullptr;
    const std::string path = commandPath(app, at);
    err << path << ": " << describe(e, app, at) << " (see: " << path << " --help)\n";
    return gateway::kExitBadInput;
  }
  return std::nullopt;
}

std::string unreadableFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return "it is a directory";
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return std::strerror(errno);
  std::fclose(f);
  return "";
}

int runGwsim(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"gwsim: replay traffic through the gateway core in virtual time"};
  app.name("gwsim");
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", "gwsim " + std::string(gateway::version()), "Print \"gwsim VERSION\" and exit");
  app.footer(std::string("Run 'gwsim help COMMAND' or 'gwsim COMMAND --help' for a command's options.\n\n") +
             kExitStatusHelp);
  std::vector<Command> commands;
  commands.push_back(addRunCommand(app));
  commands.push_back(addCompareCommand(app));
  commands.push_back(addLimiterCommand(app));
  commands.push_back(addAgreeCommand(app));
  std::vector<std::string> topic;
  CLI::App* help = app.add_subcommand("help", "Print the help of gwsim or of a command (gwsim help limiter compare)");
  help->add_option("command", topic, "The command: run, compare, limiter, limiter compare, agree, ...");
  if (auto status = parseArguments(app, args, out, err)) return *status;
  if (help->parsed()) return showHelp(app, topic, out, err);
  for (auto& c : commands) {
    if (c.app->parsed()) return c.run();
  }
  err << app.help() << "\ngwsim: a subcommand is required: " << commandNames(app) << "\n";
  return gateway::kExitBadInput;
}

}  // namespace gwsim
