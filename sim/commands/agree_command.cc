#include "sim/commands/agree_command.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "libgateway/core/exit_code.h"
#include "sim/commands/agree_input.h"
#include "sim/commands/agree_table.h"
#include "sim/commands/gwsim_cli.h"
#include "sim/engine/simulation.h"
#include "sim/scenario/scenario.h"

namespace gwsim {

namespace {

struct AgreeArgs {
  std::string scenario;
  std::string real;
  std::string sim;
  std::vector<std::string> tolerances;
  std::int64_t minCount = 20;
  double minMs = 0.5;
  std::optional<std::uint64_t> seed;
  std::optional<double> durationS;
  bool json = false;
  bool quiet = false;
};

// Reads a result file (`what`: "--real", "--sim"); nullopt after printing why.
std::optional<AgreeResult> readAgreeFile(const std::string& path, const char* what) {
  if (const std::string why = unreadableFile(path); !why.empty()) {
    std::fprintf(stderr, "gwsim agree: cannot read the %s result %s: %s\n", what, path.c_str(), why.c_str());
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  gateway::FieldErrors errors;
  auto result = readAgreeResultText(text.str(), errors);
  if (!result) {
    std::fprintf(stderr, "gwsim agree: the %s result %s is not a run summary (the format of gwsim run --json):\n",
                 what, path.c_str());
    for (const auto& e : errors.list()) std::fprintf(stderr, "  %s: %s\n", path.c_str(), e.str().c_str());
  }
  return result;
}

void warnAgreeMismatch(const std::string& scenarioName, const AgreeResult& r, const std::string& source,
                       const std::optional<double>& seconds) {
  if (!r.scenario.empty() && r.scenario != scenarioName) {
    std::fprintf(stderr, "gwsim agree: warning: %s is a result of scenario \"%s\", not \"%s\"\n", source.c_str(),
                 r.scenario.c_str(), scenarioName.c_str());
  }
  if (seconds && r.seconds && std::abs(*seconds - *r.seconds) > 0.01 * std::max(*seconds, *r.seconds)) {
    std::fprintf(stderr, "gwsim agree: warning: %s covers %.1f s, the simulation %.1f s: counts are not comparable\n",
                 source.c_str(), *r.seconds, *seconds);
  }
}

int agreeMain(const AgreeArgs& args) {
  AgreeTolerances tolerances = defaultAgreeTolerances();
  for (const auto& spec : args.tolerances) {
    std::string why;
    if (!parseAgreeTolerances(spec, tolerances, why)) {
      std::fprintf(stderr, "gwsim agree: --tolerance \"%s\": %s (see: gwsim agree --help)\n", spec.c_str(), why.c_str());
      return gateway::kExitBadInput;
    }
  }
  if (const std::string why = unreadableFile(args.scenario); !why.empty()) {
    std::fprintf(stderr, "gwsim agree: cannot read the scenario file %s: %s\n", args.scenario.c_str(), why.c_str());
    return gateway::kExitBadInput;
  }
  auto load = loadScenarioFile(args.scenario);
  if (!load.ok()) {
    std::fprintf(stderr, "gwsim agree: %s is not a valid scenario:\n", args.scenario.c_str());
    for (const auto& e : load.errors.list()) std::fprintf(stderr, "  %s\n", e.str().c_str());
    return gateway::kExitBadInput;
  }
  Scenario& scenario = *load.scenario;
  auto real = readAgreeFile(args.real, "--real");
  if (!real) return gateway::kExitBadInput;

  AgreeSources sources;
  sources.scenario = scenario.name;
  sources.real = args.real;
  std::optional<AgreeResult> sim;
  if (!args.sim.empty()) {
    sim = readAgreeFile(args.sim, "--sim");
    if (!sim) return gateway::kExitBadInput;
    sources.sim = args.sim;
  } else {
    if (args.durationS) scenario.duration = static_cast<gateway::Duration>(*args.durationS * 1e6);
    RunOptions options;
    options.seed = args.seed;
    options.progress = !args.quiet;
    const std::uint64_t seed = args.seed.value_or(scenario.seed);
    if (!args.quiet) {
      std::fprintf(stderr, "gwsim agree: simulating %s (%s), seed %llu, %.1f s\n", scenario.name.c_str(),
                   args.scenario.c_str(), static_cast<unsigned long long>(seed),
                   static_cast<double>(scenario.duration) / 1e6);
    }
    try {
      const RunResult run = runScenario(scenario, options);
      gateway::FieldErrors errors;
      sim = readAgreeResult(run.toJson(), errors);
      if (!sim) {
        std::fprintf(stderr, "gwsim agree: the simulation's own summary could not be read back:\n%s\n",
                     errors.text().c_str());
        return gateway::kExitRuntime;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "gwsim agree: the simulation of %s could not run: %s\n", args.scenario.c_str(), e.what());
      return gateway::kExitRuntime;
    }
    sources.sim = fmt::format("simulated, seed {}", seed);
  }
  sources.simSeconds = sim->seconds;
  sources.realSeconds = real->seconds;
  if (!args.sim.empty()) warnAgreeMismatch(scenario.name, *sim, args.sim, std::nullopt);
  warnAgreeMismatch(scenario.name, *real, args.real, sim->seconds);

  const AgreeReport report =
      compareAgreeResults(*sim, *real, tolerances, static_cast<std::uint64_t>(args.minCount), args.minMs);
  if (args.json) {
    std::fputs(agreeReportJson(report, sources).dump(2).c_str(), stdout);
    std::fputc('\n', stdout);
  } else {
    std::fputs(formatAgreeTable(report, sources).c_str(), stdout);
  }
  if (!report.agrees()) {
    std::fprintf(stderr, "gwsim agree: %zu of %zu judged cells beyond tolerance\n", report.beyond, report.judged);
    return gateway::kExitCheckFailed;
  }
  return gateway::kExitOk;
}

}  // namespace

Command addAgreeCommand(CLI::App& app) {
  auto args = std::make_shared<AgreeArgs>();
  CLI::App* agree = app.add_subcommand(
      "agree", "Compare a scenario's simulated result with a real run of it (gwload), per route and status class");
  agree->add_option("scenario", args->scenario, "Scenario file (JSON), e.g. scenarios/boundary_burst.json")->required();
  agree->add_option("--real", args->real, "The real run's summary (same format as gwsim run --json)")->required();
  CLI::Option* simFile = agree->add_option("--sim", args->sim, "A saved simulated summary (gwsim run --json) instead of running it now");
  agree->add_option("--tolerance", args->tolerances,
                    "KEY=PERCENT[,...] with KEY requests, 2xx, 3xx, 4xx, 429, 5xx, p50, p90, p99 or errors; "
                    "PERCENT like 5% or off; repeatable. Defaults: 2xx=5%,429=5%,p50=20%")
      ->allow_extra_args(false);
  agree->add_option("--min-count", args->minCount,
                    "Counts under N in both worlds (and percentiles of rows with under N requests) are shown, "
                    "not judged")
      ->default_val(20)
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{1'000'000'000'000}));
  agree->add_option("--min-ms", args->minMs,
                    "Percentiles within this many milliseconds of each other are within any tolerance")
      ->default_val(0.5)
      ->check(CLI::Range(0.0, 1e6));
  agree->add_option("--seed", args->seed, "Override the scenario's seed (when simulating)")->excludes(simFile);
  agree->add_option("--duration-s", args->durationS, "Override the scenario's duration (when simulating; seconds)")
      ->check(CLI::Range(0.001, 1e7))
      ->excludes(simFile);
  agree->add_flag("--json", args->json, "Print the comparison as JSON");
  agree->add_flag("--quiet", args->quiet, "No header and no progress line on stderr");
  agree->footer(std::string("Each cell shows sim, real and diff = (real - sim) / sim; a cell whose metric has a\n"
                            "tolerance is judged: ok, BEYOND, or small (under --min-count, not judged).\n"
                            "Exit 1 lists every cell beyond its tolerance, e.g.\n"
                            "  route orders: 429 count sim 1200 real 1310 (+9.2% > 5%)\n"
                            "Exit 2 also for a result file that is not a run summary (each error with its JSON\n"
                            "path); exit 3 when the simulation cannot run.\n\n") +
                kExitStatusHelp);
  return Command{agree, [args] { return agreeMain(*args); }};
}

}  // namespace gwsim
