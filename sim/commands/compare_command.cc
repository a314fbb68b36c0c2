#include "sim/commands/compare_command.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "sim/engine/simulation.h"
#include "sim/scenario/scenario.h"

namespace gwsim {

std::optional<Variation> parseVariation(const std::string& text, std::string& error) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    error = fmt::format("\"{}\": expected PATH=V1,V2,...", text);
    return std::nullopt;
  }
  Variation v;
  v.path = text.substr(0, eq);
  const std::string values = text.substr(eq + 1);
  std::size_t pos = 0;
  while (pos <= values.size()) {
    auto comma = values.find(',', pos);
    if (comma == std::string::npos) comma = values.size();
    const std::string item = values.substr(pos, comma - pos);
    if (item.empty()) {
      error = fmt::format("\"{}\": empty value in the list", text);
      return std::nullopt;
    }
    auto parsed = nlohmann::json::parse(item, nullptr, false);
    v.values.push_back(parsed.is_discarded() ? nlohmann::json(item) : parsed);
    pos = comma + 1;
  }
  return v;
}

bool applyVariation(nlohmann::json& doc, const std::string& path, const nlohmann::json& value, std::string& error) {
  nlohmann::json* node = &doc;
  std::string rest = path;
  if (rest.rfind("scenario.", 0) == 0) {
    rest = rest.substr(9);
  } else {
    if (!doc.contains("gateway") || !doc["gateway"].is_object()) {
      error = "the scenario has no gateway config to vary";
      return false;
    }
    node = &doc["gateway"];
  }
  std::vector<std::string> keys;
  std::size_t pos = 0;
  while (pos <= rest.size()) {
    auto dot = rest.find('.', pos);
    if (dot == std::string::npos) dot = rest.size();
    keys.push_back(rest.substr(pos, dot - pos));
    pos = dot + 1;
  }
  std::string walked;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::string& key = keys[i];
    const bool last = i + 1 == keys.size();
    walked += (walked.empty() ? "" : ".") + key;
    if (key.empty()) {
      error = fmt::format("\"{}\": empty path element", path);
      return false;
    }
    if (node->is_array()) {
      if (!std::all_of(key.begin(), key.end(), ::isdigit) || std::stoul(key) >= node->size()) {
        error = fmt::format("\"{}\": {} is not an index of the array at {}", path, key, walked);
        return false;
      }
      node = &(*node)[std::stoul(key)];
    } else if (node->is_object()) {
      if (!node->contains(key) && !last) {
        error = fmt::format("\"{}\": nothing at {}", path, walked);
        return false;
      }
      node = &(*node)[key];
    } else {
      error = fmt::format("\"{}\": {} is not an object or array", path, walked);
      return false;
    }
  }
  *node = value;
  return true;
}

namespace {

struct CompareArgs {
  std::string scenario;
  std::vector<std::string> vary;
  std::string format = "table";
  std::optional<std::uint64_t> seed;
  unsigned jobs = 0;
};

struct Variant {
  std::string label;
  nlohmann::json document;
  std::optional<RunResult> result;
  std::string error;
};

std::string valueText(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

int compareMain(const CompareArgs& args) {
  gateway::FieldErrors errors;
  auto base = readScenarioDocument(args.scenario, errors);
  if (!base) {
    std::fprintf(stderr, "gwsim: %s: %s", args.scenario.c_str(), errors.text().c_str());
    return 2;
  }
  std::vector<Variation> variations;
  for (const auto& v : args.vary) {
    std::string why;
    auto parsed = parseVariation(v, why);
    if (!parsed) {
      std::fprintf(stderr, "gwsim: --vary %s\n", why.c_str());
      return 2;
    }
    variations.push_back(std::move(*parsed));
  }
  // The cartesian product of every --vary, in the order given.
  std::vector<Variant> variants(1, Variant{"", *base, std::nullopt, ""});
  for (const auto& var : variations) {
    std::vector<Variant> next;
    for (const auto& v : variants) {
      for (const auto& value : var.values) {
        Variant n = v;
        std::string why;
        if (!applyVariation(n.document, var.path, value, why)) {
          std::fprintf(stderr, "gwsim: --vary %s\n", why.c_str());
          return 2;
        }
        const std::string leaf = var.path.substr(var.path.rfind('.') + 1);
        n.label += (n.label.empty() ? "" : " ") + (variations.size() == 1 ? valueText(value) : leaf + "=" + valueText(value));
        next.push_back(std::move(n));
      }
    }
    variants = std::move(next);
  }
  if (variations.empty()) variants[0].label = "baseline";

  const std::string baseDir = std::filesystem::path(args.scenario).parent_path().string();
  std::vector<std::optional<Scenario>> scenarios(variants.size());
  bool bad = false;
  for (std::size_t i = 0; i < variants.size(); ++i) {
    auto load = loadScenarioJson(variants[i].document, baseDir);
    if (!load.ok()) {
      bad = true;
      std::fprintf(stderr, "gwsim: variant \"%s\" is not a valid scenario:\n", variants[i].label.c_str());
      for (const auto& e : load.errors.list()) std::fprintf(stderr, "  %s\n", e.str().c_str());
      continue;
    }
    scenarios[i] = std::move(load.scenario);
  }
  if (bad) return 2;

  // Every variant runs with the same seed; each owns its whole world, so they run in parallel.
  const unsigned jobs = args.jobs ? args.jobs : std::max(1u, std::thread::hardware_concurrency());
  std::atomic<std::size_t> nextIndex{0};
  std::vector<std::thread> workers;
  for (unsigned w = 0; w < std::min<std::size_t>(jobs, variants.size()); ++w) {
    workers.emplace_back([&] {
      for (std::size_t i = nextIndex++; i < variants.size(); i = nextIndex++) {
        RunOptions options;
        options.seed = args.seed;
        variants[i].result = runScenario(*scenarios[i], options);
      }
    });
  }
  for (auto& t : workers) t.join();

  const bool limiting = std::any_of(variants.begin(), variants.end(), [](const Variant& v) {
    return v.result->limiterAllowed + v.result->limiterDenied > 0;
  });
  struct Column {
    std::string name;
    std::function<std::string(const RunResult&)> value;
  };
  const auto ms = [](std::int64_t us) { return fmt::format("{:.1f}", static_cast<double>(us) / 1000.0); };
  std::vector<Column> columns = {
      {"requests", [](const RunResult& r) { return std::to_string(r.total.statuses.total); }},
      {"2xx", [](const RunResult& r) { return std::to_string(r.total.statuses.byClass[2]); }},
  };
  if (limiting) {
    columns.push_back({"admitted", [](const RunResult& r) { return std::to_string(r.total.statuses.total - r.total.statuses.code(429)); }});
    columns.push_back({"denied", [](const RunResult& r) { return std::to_string(r.total.statuses.code(429)); }});
    columns.push_back({"overshoot", [](const RunResult& r) { return fmt::format("{:.2f}x", r.maxOvershoot()); }});
    columns.push_back({"fairness", [](const RunResult& r) { return fmt::format("{:.3f}", r.jainFairness()); }});
    columns.push_back({"delay ms", [](const RunResult& r) {
                         return fmt::format("{:.1f}", r.total.limiterDelayed
                                                          ? r.total.limiterDelaySumUs / static_cast<double>(r.total.limiterDelayed) / 1000.0
                                                          : 0.0);
                       }});
  }
  const bool faults = std::any_of(variants.begin(), variants.end(), [](const Variant& v) {
    return !v.result->failingService.empty() || !v.result->breakers.empty();
  });
  if (faults) {
    // Breaker columns (issue 6): measured on the service the scenario's first failure fault hits.
    auto breakerOf = [](const RunResult& r) -> const BreakerReport* {
      auto it = r.breakers.find(r.failingService);
      return it == r.breakers.end() ? nullptr : &it->second;
    };
    columns.push_back({"sent to failing", [](const RunResult& r) {
                         auto it = r.sentWhileFailing.find(r.failingService);
                         return std::to_string(it == r.sentWhileFailing.end() ? 0 : it->second);
                       }});
    columns.push_back({"open after s", [breakerOf](const RunResult& r) {
                         const auto* b = breakerOf(r);
                         return b && b->timeToOpenS ? fmt::format("{:.2f}", *b->timeToOpenS) : std::string("-");
                       }});
    columns.push_back({"recover s", [breakerOf](const RunResult& r) {
                         const auto* b = breakerOf(r);
                         return b && b->timeToRecoverS ? fmt::format("{:.2f}", *b->timeToRecoverS) : std::string("-");
                       }});
    columns.push_back({"false trips", [](const RunResult& r) {
                         std::uint64_t n = 0;
                         for (const auto& [_, b] : r.breakers) n += b.falseTrips;
                         return std::to_string(n);
                       }});
  }
  columns.push_back({"5xx", [](const RunResult& r) { return std::to_string(r.total.statuses.byClass[5]); }});
  columns.push_back({"503", [](const RunResult& r) { return std::to_string(r.total.statuses.code(503)); }});
  columns.push_back({"504", [](const RunResult& r) { return std::to_string(r.total.statuses.code(504)); }});
  columns.push_back({"p50 ms", [ms](const RunResult& r) { return ms(r.total.latency.quantile(0.5)); }});
  columns.push_back({"p99 ms", [ms](const RunResult& r) { return ms(r.total.latency.quantile(0.99)); }});
  columns.push_back({"max ms", [ms](const RunResult& r) { return ms(r.total.latency.max()); }});
  columns.push_back({"expectations", [](const RunResult& r) {
                       const auto passed = std::count_if(r.expectations.begin(), r.expectations.end(),
                                                         [](const ExpectationResult& e) { return e.passed; });
                       return fmt::format("{}/{}", passed, r.expectations.size());
                     }});
  columns.push_back({"trace hash", [](const RunResult& r) { return fmt::format("{:016x}", r.traceHash); }});

  const std::string header = variations.empty() ? "variant" : variations.size() == 1 ? variations[0].path : "variant";
  if (args.format == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : variants) {
      nlohmann::json row = {{"variant", v.label}};
      for (const auto& c : columns) row[c.name] = c.value(*v.result);
      row["result"] = v.result->toJson();
      out.push_back(row);
    }
    std::puts(out.dump(2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back({header});
  for (const auto& c : columns) rows[0].push_back(c.name);
  for (const auto& v : variants) {
    std::vector<std::string> row = {v.label};
    for (const auto& c : columns) row.push_back(c.value(*v.result));
    rows.push_back(std::move(row));
  }
  if (args.format == "csv") {
    for (const auto& row : rows) {
      std::string line;
      for (std::size_t i = 0; i < row.size(); ++i) line += (i ? "," : "") + row[i];
      std::puts(line.c_str());
    }
    return 0;
  }
  std::vector<std::size_t> width(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  const bool md = args.format == "md";
  const auto& sc = *scenarios[0];
  std::printf("%s%s: %s, seed %llu, %.0f s simulated, %zu variants\n", md ? "" : "", sc.name.c_str(), args.scenario.c_str(),
              static_cast<unsigned long long>(args.seed.value_or(sc.seed)), static_cast<double>(sc.duration) / 1e6,
              variants.size());
  if (md) std::puts("");
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::string line = md ? "|" : "";
    for (std::size_t i = 0; i < rows[r].size(); ++i) {
      const std::string& cell = rows[r][i];
      const std::string pad(width[i] - cell.size(), ' ');
      line += md ? " " + (i == 0 ? cell + pad : pad + cell) + " |" : (i == 0 ? cell + pad : "  " + pad + cell);
    }
    std::puts(line.c_str());
    if (r == 0) {
      std::string sep = md ? "|" : "";
      for (std::size_t i = 0; i < width.size(); ++i) {
        sep += md ? (i == 0 ? std::string(" :") + std::string(width[i] - 1, '-') + " |"
                            : " " + std::string(width[i] - 1, '-') + ": |")
                  : (i == 0 ? std::string(width[i], '-') : "  " + std::string(width[i], '-'));
      }
      std::puts(sep.c_str());
    }
  }
  return 0;
}

}  // namespace

Command addCompareCommand(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand("compare", "Run variants of a scenario side by side (same seed, same traffic)");
  cmd->add_option("scenario", args->scenario, "Scenario file (JSON)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--vary", args->vary,
                  "PATH=V1,V2,... to vary; repeat for a cartesian product. PATH is a dotted path in the gateway "
                  "config (rate_limits.tiers.free.algorithm, routes.0.timeout_ms) or, prefixed with 'scenario.', in "
                  "the scenario (scenario.clients.0.arrival.rate). Values are JSON when they parse as JSON.")
      ->take_all();
  cmd->add_option("--format", args->format, "table, md, json or csv")
      ->check(CLI::IsMember({"table", "md", "json", "csv"}));
  cmd->add_option("--seed", args->seed, "Override the scenario's seed (the same for every variant)");
  cmd->add_option("--jobs", args->jobs, "Variants run at once (default: the number of cores)");
  return Command{cmd, [args] { return compareMain(*args); }};
}

}  // namespace gwsim
