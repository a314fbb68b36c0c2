#include "sim/commands/run_command.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include <fmt/format.h>

#include "libgateway/core/exit_code.h"
#include "sim/commands/gwsim_cli.h"
#include "sim/engine/simulation.h"
#include "sim/scenario/scenario.h"

namespace gwsim {

namespace {

struct RunArgs {
  std::string scenario;
  std::optional<std::uint64_t> seed;
  std::string out;
  std::string trace;
  std::string policyState;
  bool quiet = false;
  bool json = false;
  std::optional<double> durationS;
};

long peakRssKiB() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;  // KiB on Linux
}

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};

using gateway::kExitBadInput;
using gateway::kExitCheckFailed;
using gateway::kExitOk;
using gateway::kExitRuntime;

int cannotWrite(const char* what, const std::string& path) {
  std::fprintf(stderr, "gwsim run: cannot write %s to %s: %s\n", what, path.c_str(),
               errno ? std::strerror(errno) : "write failed");
  return kExitRuntime;
}

// Writes --out's three files; false (with errno) when one cannot be written.
bool writeOutDir(const RunResult& result, const std::filesystem::path& dir) {
  std::ofstream summary(dir / "summary.json");
  summary << result.toJson().dump(2) << "\n";
  summary.close();
  if (!summary) return false;
  nlohmann::json series = nlohmann::json::array();
  for (const auto& s : result.series) {
    series.push_back({{"second", s.second}, {"requests", s.requests}, {"2xx", s.s2xx}, {"3xx", s.s3xx},
                      {"4xx", s.s4xx}, {"5xx", s.s5xx}, {"429", s.s429}, {"502", s.s502}, {"503", s.s503},
                      {"504", s.s504}, {"p50_ms", s.p50Ms}, {"p99_ms", s.p99Ms}, {"max_ms", s.maxMs}});
  }
  std::ofstream timeseries(dir / "timeseries.json");
  timeseries << series.dump(1) << "\n";
  timeseries.close();
  if (!timeseries) return false;
  std::unique_ptr<std::FILE, FileCloser> csv(std::fopen((dir / "timeseries.csv").c_str(), "w"));
  if (!csv) return false;
  writeSeriesCsv(result, csv.get());
  return std::fclose(csv.release()) == 0;
}

int runMain(const RunArgs& args) {
  if (const std::string why = unreadableFile(args.scenario); !why.empty()) {
    std::fprintf(stderr, "gwsim run: cannot read the scenario file %s: %s\n", args.scenario.c_str(), why.c_str());
    return kExitBadInput;
  }
  auto load = loadScenarioFile(args.scenario);
  if (!load.ok()) {
    std::fprintf(stderr, "gwsim run: %s is not a valid scenario:\n", args.scenario.c_str());
    for (const auto& e : load.errors.list()) std::fprintf(stderr, "  %s\n", e.str().c_str());
    return kExitBadInput;
  }
  Scenario& scenario = *load.scenario;
  if (args.durationS) scenario.duration = static_cast<gateway::Duration>(*args.durationS * 1e6);
  RunOptions options;
  options.seed = args.seed;
  options.progress = !args.quiet;
  std::unique_ptr<std::FILE, FileCloser> trace;
  if (!args.trace.empty()) {
    trace.reset(args.trace == "-" ? nullptr : std::fopen(args.trace.c_str(), "w"));
    if (args.trace != "-" && !trace) return cannotWrite("the trace", args.trace);
    options.trace = args.trace == "-" ? stdout : trace.get();
  }
  // Opened before the run, so a path that cannot be written fails at once, not a minute later.
  std::ofstream policyFile;
  nlohmann::json policyState;
  if (!args.policyState.empty()) {
    policyFile.open(args.policyState);
    if (!policyFile) return cannotWrite("the policy state", args.policyState);
    options.policyState = &policyState;
  }
  if (!args.out.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(args.out, ec);
    if (ec || !std::filesystem::is_directory(args.out)) {
      std::fprintf(stderr, "gwsim run: cannot write to the directory %s: %s\n", args.out.c_str(),
                   ec ? ec.message().c_str() : "not a directory");
      return kExitRuntime;
    }
    if (::access(args.out.c_str(), W_OK) != 0) return cannotWrite("--out files", args.out);
  }
  if (!args.quiet) {
    std::fprintf(stderr, "gwsim: %s (%s), seed %llu, %.1f s simulated\n", scenario.name.c_str(), args.scenario.c_str(),
                 static_cast<unsigned long long>(options.seed.value_or(scenario.seed)),
                 static_cast<double>(scenario.duration) / 1e6);
    // Every fault parameter is printed up front, as FoundationDB's simulator does.
    for (const auto& f : scenario.faults) std::fprintf(stderr, "  fault: %s\n", f.describe().c_str());
    if (scenario.fleet.instances > 1) {
      std::fprintf(stderr, "  gateways: %u instances, %s, redis round trip %.3f ms\n", scenario.fleet.instances,
                   std::string(toString(scenario.fleet.balancer)).c_str(), static_cast<double>(scenario.fleet.redisLatency) / 1e3);
    }
    for (const auto& o : scenario.fleet.outages) std::fprintf(stderr, "  fault: %s\n", o.describe().c_str());
    for (const auto& c : scenario.changes) {
      std::fprintf(stderr, "  change at %.6fs: %s%s%s\n", static_cast<double>(c.at) / 1e6, c.describe().c_str(),
                   c.note.empty() ? "" : " -- ", c.note.c_str());
    }
    for (const auto& m : scenario.services) {
      if (m.content) std::fprintf(stderr, "  content: %s answers with %s\n", m.name.c_str(), m.content->describe().c_str());
    }
  }
  const RunResult result = runScenario(scenario, options);
  if (trace && std::fclose(trace.release()) != 0) return cannotWrite("the trace", args.trace);
  if (policyFile.is_open()) {
    policyFile << policyState.dump(2) << "\n";
    policyFile.close();
    if (!policyFile) return cannotWrite("the policy state", args.policyState);
  }
  std::FILE* report = options.trace == stdout ? stderr : stdout;
  if (args.json) {
    std::fputs(result.toJson().dump(2).c_str(), report);
    std::fputc('\n', report);
  } else {
    std::fputs(formatRunSummary(result).c_str(), report);
    std::fprintf(report, "peak RSS %.1f MiB\n", static_cast<double>(peakRssKiB()) / 1024.0);
  }
  if (!args.out.empty() && !writeOutDir(result, args.out)) return cannotWrite("--out files", args.out);
  if (!result.passed()) {
    std::fprintf(stderr, "gwsim run: %zu expectation(s) failed\n",
                 static_cast<std::size_t>(std::count_if(result.expectations.begin(), result.expectations.end(),
                                                        [](const ExpectationResult& e) { return !e.passed; })));
    return kExitCheckFailed;
  }
  return kExitOk;
}

}  // namespace

Command addRunCommand(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* run = app.add_subcommand("run", "Replay a scenario in virtual time and report what happened");
  run->add_option("scenario", args->scenario, "Scenario file (JSON), e.g. scenarios/flash_crowd.json")->required();
  run->add_option("--seed", args->seed, "Override the scenario's seed");
  run->add_option("--out", args->out, "Directory for summary.json, timeseries.json and timeseries.csv");
  run->add_option("--trace", args->trace,
                  "Write one CSV line per request (why it ended as it did) to FILE, or - for stdout");
  run->add_option("--policy-state", args->policyState,
                  "Write every policy's state at the end of the run (breakers with their history, outlier "
                  "ejections, concurrency, retry budgets, rate-limit stores) to FILE as JSON: the snapshot "
                  "gatewayd shows under /stats \"policies\", at the simulated clock");
  run->add_flag("--quiet", args->quiet, "No header and no progress line on stderr");
  run->add_flag("--json", args->json, "Print the summary as JSON");
  run->add_option("--duration-s", args->durationS, "Override the scenario's duration (simulated seconds)")
      ->check(CLI::Range(0.001, 1e7));
  run->footer(std::string("The trace hash printed at the end is the same for the same scenario and seed.\n"
                          "A scenario's errors are all listed, each with its JSON path, before anything runs;\n"
                          "so is an expectation naming a route, client group, consumer or service it does not have.\n\n") +
              kExitStatusHelp);
  return Command{run, [args] { return runMain(*args); }};
}

}  // namespace gwsim
