#include "sim/commands/compare_command.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "libgateway/core/exit_code.h"
#include "sim/commands/compare_table.h"
#include "sim/commands/gwsim_cli.h"
#include "sim/engine/simulation.h"
#include "sim/scenario/scenario.h"

namespace gwsim {

namespace {

struct CompareArgs {
  std::string scenario;
  std::vector<std::string> vary;
  std::string format = "table";
  std::optional<std::uint64_t> seed;
  unsigned jobs = 0;
  bool variantsMayFail = false;
};

int compareMain(const CompareArgs& args) {
  if (const std::string why = unreadableFile(args.scenario); !why.empty()) {
    std::fprintf(stderr, "gwsim compare: cannot read the scenario file %s: %s\n", args.scenario.c_str(), why.c_str());
    return gateway::kExitBadInput;
  }
  gateway::FieldErrors errors;
  auto base = readScenarioDocument(args.scenario, errors);
  if (!base) {
    std::fprintf(stderr, "gwsim compare: %s is not a valid scenario:\n", args.scenario.c_str());
    for (const auto& e : errors.list()) std::fprintf(stderr, "  %s\n", e.str().c_str());
    return gateway::kExitBadInput;
  }
  std::string why;
  auto plan = planVariants(*base, args.vary, why);
  if (!plan) {
    std::fprintf(stderr, "gwsim compare: %s\n", why.c_str());
    return gateway::kExitBadInput;
  }
  std::vector<Variant>& variants = plan->variants;

  // Every row is loaded (and checked) before any runs.
  const std::string baseDir = std::filesystem::path(args.scenario).parent_path().string();
  std::vector<std::optional<Scenario>> scenarios(variants.size());
  bool bad = false;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    auto load = loadScenarioJson(variants[i].document, baseDir);
    if (!load.ok()) {
      bad = true;
      std::fprintf(stderr, "gwsim compare: %s is not a valid scenario:\n",
                   variants[i].asWritten ? args.scenario.c_str() : fmt::format("variant \"{}\"", variants[i].label).c_str());
      for (const auto& e : load.errors.list()) std::fprintf(stderr, "  %s\n", e.str().c_str());
      if (variants[i].asWritten) break;  // every variant would repeat the scenario's own errors
      continue;
    }
    scenarios[i] = std::move(load.scenario);
  }
  if (bad) return gateway::kExitBadInput;

  // Every row runs with the same seed; each owns its whole world, so they run in parallel.
  std::vector<RunResult> results(variants.size());
  const unsigned jobs = args.jobs ? args.jobs : std::max(1u, std::thread::hardware_concurrency());
  std::atomic<std::size_t> nextIndex{0};
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < std::min<std::size_t>(jobs, variants.size()); ++w) {
    workers.emplace_back([&] {
      for (std::size_t i = nextIndex++; i < variants.size(); i = nextIndex++) {
        RunOptions options;
        options.seed = args.seed;
        results[i] = runScenario(*scenarios[i], options);
      }
    });
  }
  for (auto& t : workers) t.join();

  std::vector<CompareRow> rows;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    rows.push_back(CompareRow{variants[i].label, variants[i].asWritten, &*scenarios[i], &results[i]});
  }
  const auto columns = compareColumns(rows);
  if (args.format == "json") {
    std::puts(compareJson(columns, rows).dump(2).c_str());
  } else if (args.format == "csv") {
    std::fputs(formatCompareCsv(plan->header, columns, rows).c_str(), stdout);
  } else {
    const auto& sc = *scenarios[0];
    const std::size_t others = variants.size() - 1;
    const std::string what = others == 0 ? "the scenario as written"
                             : fmt::format("the scenario as written and {} variant{}", others, others == 1 ? "" : "s");
    std::printf("%s: %s, seed %llu, %.0f s simulated, %s\n%s", sc.name.c_str(), args.scenario.c_str(),
                static_cast<unsigned long long>(args.seed.value_or(sc.seed)), static_cast<double>(sc.duration) / 1e6,
                what.c_str(), args.format == "md" ? "\n" : "");
    std::fputs(formatCompareText(plan->header, columns, rows, args.format == "md").c_str(), stdout);
  }
  std::fflush(stdout);
  std::vector<std::string> failing;
  bool writtenFailed = false;
  for (const auto& row : rows) {
    if (row.failedExpectations() == 0) continue;
    failing.push_back(row.label);
    writtenFailed = writtenFailed || row.asWritten;
  }
  if (failing.empty()) return gateway::kExitOk;
  std::string names;
  for (std::size_t i = 0; i < failing.size(); ++i) {
    if (i > 0) names += ", ";
    names += failing[i];
  }
  const bool decides = writtenFailed || !args.variantsMayFail;
  std::fprintf(stderr, "gwsim compare: expectations failed in %zu of %zu rows: %s%s\n", failing.size(), rows.size(),
               names.c_str(), decides ? "" : " (variants only, and --variants-may-fail: exit 0)");
  return decides ? gateway::kExitCheckFailed : gateway::kExitOk;
}

}  // namespace

Command addCompareCommand(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand("compare", "Run variants of a scenario side by side (same seed, same traffic)");
  cmd->add_option("scenario", args->scenario, "Scenario file (JSON)")->required();
  cmd->add_option("--vary", args->vary,
                  "PATH=V1,V2,... to vary; repeat with other paths for a cartesian product (one path may be "
                  "given once). PATH is a dotted path in the gateway config (rate_limits.tiers.free.algorithm, "
                  "routes.0.timeout_ms) or, prefixed with 'scenario.', in the scenario "
                  "(scenario.clients.0.arrival.rate). Values are JSON when they parse as JSON (commas inside "
                  "brackets, braces or quotes do not split them); null removes the field.")
      ->take_all();
  cmd->add_option("--format", args->format, "table (default), md, json or csv")
      ->check(CLI::IsMember({"table", "md", "json", "csv"}));
  cmd->add_option("--seed", args->seed, "Override the scenario's seed (the same for every row)");
  cmd->add_option("--jobs", args->jobs, "Rows run at once (default: the number of cores)");
  cmd->add_flag("--variants-may-fail", args->variantsMayFail,
                "Exit 0 when only variants fail their expectations: the scenario as written's decide");
  cmd->footer(std::string("ROWS: the scenario as written, marked \"(as written)\", then every combination of the "
                          "--vary\nvalues in the order given; a combination identical to the scenario as written "
                          "is that row\n(it is not run twice). Every row is loaded and checked before any runs.\n\n") +
              compareColumnsHelp() +
              "\nA failed expectation marks its row FAILED and is listed under the table, and gwsim compare\n"
              "exits 1 (in every format) when any row failed; with --variants-may-fail, only when the scenario\n"
              "as written failed. JSON rows carry \"as_written\" and \"expectations_failed\".\n\n" +
              kExitStatusHelp);
  return Command{cmd, [args] { return compareMain(*args); }};
}

}  // namespace gwsim
