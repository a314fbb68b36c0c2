// gwdash: the dashboard that shows what the gateway's policies do, for a simulated scenario
// (play, step, jump, change it live) or a live gatewayd (--attach). The command line is here;
// the window, layout, controls and modes are in app/, the panels in panels/.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "libgateway/core/exit_code.h"
#include "libgateway/core/version.h"
#include "sim/commands/gwsim_cli.h"
#include "sim/scenario/scenario.h"
#include "tools/gwdash/app/dashboard.h"
#include "tools/gwdash/app/modes.h"
#include "tools/gwdash/app/panel_set.h"

namespace {

struct DashArgs {
  std::string scenario;
  std::optional<std::uint64_t> seed;
  double speed = 1.0;
  std::string attach;
  std::string screenshot;
  std::optional<double> at;
  std::string size;
  std::string panel;
  int fpsFrames = 0;
};

const char* const kDashExitHelp =
    "EXIT STATUS\n"
    "  0  done (the window was closed, the screenshot or report written)\n"
    "  2  bad input or usage: a flag, the scenario file (its errors each with its JSON path)\n"
    "  3  runtime failure: no display, no OpenGL 3 context, a gatewayd that does not answer,\n"
    "     a file that cannot be written";

int usage(const std::string& message) {
  std::fprintf(stderr, "gwdash: %s (see: gwdash --help)\n", message.c_str());
  return gateway::kExitBadInput;
}

bool parseSize(const std::string& text, int& width, int& height) {
  static const std::regex kSize("([0-9]{2,5})x([0-9]{2,5})");
  std::smatch m;
  if (!std::regex_match(text, m, kSize)) return false;
  width = std::stoi(m[1]);
  height = std::stoi(m[2]);
  return width >= 320 && height >= 240 && width <= 7680 && height <= 4320;
}

// Checks the flags against each other; "" when they fit.
std::string checkCombination(const DashArgs& a) {
  if (a.scenario.empty() && a.attach.empty()) return "give a SCENARIO file, or --attach http://127.0.0.1:PORT";
  if (!a.scenario.empty() && !a.attach.empty()) return "give either a SCENARIO file or --attach, not both";
  if (!a.attach.empty()) {
    for (const char* flag : {"--seed", "--at", "--screenshot", "--fps-report"}) {
      const bool given = (std::string(flag) == "--seed" && a.seed) || (std::string(flag) == "--at" && a.at) ||
                         (std::string(flag) == "--screenshot" && !a.screenshot.empty()) ||
                         (std::string(flag) == "--fps-report" && a.fpsFrames > 0);
      if (given) return std::string(flag) + " needs a SCENARIO (it is for simulated runs, not --attach)";
    }
  }
  if (!a.screenshot.empty() && !a.at) return "--screenshot needs --at SECONDS (the simulated time to show)";
  if (!a.screenshot.empty() && a.fpsFrames > 0) return "give either --screenshot or --fps-report, not both";
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  DashArgs a;
  CLI::App app{"gwdash: watch the gateway's policies work, step by step, on a simulated scenario or a live gatewayd"};
  app.name("gwdash");
  app.set_version_flag("--version", "gwdash " + std::string(gateway::version()), "Print \"gwdash VERSION\" and exit");
  app.add_option("scenario", a.scenario, "Scenario file (JSON), e.g. scenarios/outage_with_breaker.json");
  app.add_option("--seed", a.seed, "Override the scenario's seed");
  app.add_option("--speed", a.speed, "Play speed, times real time (0.01 .. 1000; default 1)")->check(CLI::Range(0.01, 1000.0));
  app.add_option("--attach", a.attach, "Follow a live gatewayd through its admin listener, http://127.0.0.1:PORT");
  app.add_option("--screenshot", a.screenshot, "Render at --at headless and write this PNG (and FILE.png.json)");
  app.add_option("--at", a.at, "Simulated time to start at or to show, in seconds")->check(CLI::Range(0.0, 1e7));
  app.add_option("--size", a.size, "Window size WxH (default 1600x900)");
  app.add_option("--panel", a.panel, "Show only this panel, filling the window (topology, limiter, breaker, ...)");
  app.add_option("--fps-report", a.fpsFrames,
                 "Render this many frames playing at --speed with vsync off; print frames/s and frame times as JSON")
      ->check(CLI::Range(1, 1000000));
  app.footer(std::string("Controls: Space plays or pauses; Right steps to the next request, Shift+Right a second.\n\n") +
             kDashExitHelp);
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (auto status = gwsim::parseArguments(app, args, std::cout, std::cerr)) return *status;
  if (const std::string problem = checkCombination(a); !problem.empty()) return usage(problem);

  gwdash::RunSettings settings;
  settings.speed = a.speed;
  settings.screenshot = a.screenshot;
  settings.fpsFrames = a.fpsFrames;
  if (!a.size.empty() && !parseSize(a.size, settings.width, settings.height)) {
    return usage("--size " + a.size + " is not WxH between 320x240 and 7680x4320");
  }

  auto panels = gwdash::makePanels();
  if (!a.panel.empty()) {
    std::vector<std::unique_ptr<gwdash::Panel>> chosen;
    for (auto& panel : panels) {
      if (panel->name() == a.panel) chosen.push_back(std::move(panel));
    }
    if (chosen.empty()) return usage("--panel " + a.panel + " is not a panel (" + gwdash::panelNames(panels) + ")");
    panels = std::move(chosen);
  }

  std::unique_ptr<gwdash::Source> source;
  if (!a.attach.empty()) {
    std::string error;
    source = gwdash::makeAttachSource(a.attach, error);
    if (!source) {
      std::fprintf(stderr, "gwdash: %s\n", error.c_str());
      return gateway::kExitRuntime;
    }
  } else {
    if (const std::string why = gwsim::unreadableFile(a.scenario); !why.empty()) {
      std::fprintf(stderr, "gwdash: cannot read the scenario file %s: %s\n", a.scenario.c_str(), why.c_str());
      return gateway::kExitBadInput;
    }
    gateway::FieldErrors errors;
    auto session = gwdash::SimSession::open(a.scenario, a.seed, errors);
    if (!session) {
      std::fprintf(stderr, "gwdash: %s is not a valid scenario:\n", a.scenario.c_str());
      for (const auto& e : errors.list()) std::fprintf(stderr, "  %s\n", e.str().c_str());
      return gateway::kExitBadInput;
    }
    if (a.at) {
      const double end = static_cast<double>(session->duration()) / 1e6;
      if (*a.at > end) {
        char text[160];
        std::snprintf(text, sizeof text, "--at %g is after the scenario's end (%g s)", *a.at, end);
        return usage(text);
      }
      settings.at = static_cast<gateway::TimePoint>(std::llround(*a.at * 1e6));
    }
    source = gwdash::makeSimSource(std::move(session));
  }

  gwdash::Dashboard dashboard(std::move(source), std::move(panels), !a.panel.empty());
  if (!settings.screenshot.empty()) return gwdash::runScreenshot(dashboard, settings);
  if (settings.fpsFrames > 0) return gwdash::runFpsReport(dashboard, settings);
  return gwdash::runInteractive(dashboard, settings);
}
