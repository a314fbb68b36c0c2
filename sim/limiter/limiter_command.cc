#include "sim/limiter/limiter_command.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <optional>

#include "libgateway/core/exit_code.h"
#include "libgateway/ratelimit/limiter_spec.h"
#include "sim/commands/gwsim_cli.h"
#include "sim/limiter/limiter_comparison.h"
#include "sim/limiter/limiter_replay.h"
#include "sim/limiter/trace_generator.h"
#include "sim/limiter/trace_parser.h"

namespace gwsim {

namespace {

using gateway::LimiterAlgorithm;

// The gwsim table (sim/commands/gwsim_cli.h): a trace is input, like a parameter.
constexpr int kExitBadTrace = gateway::kExitBadInput;
constexpr int kExitBadParameters = gateway::kExitBadInput;
constexpr int kExitCannotWrite = gateway::kExitRuntime;

constexpr const char* kAlgorithms =
    "token_bucket, gcra, leaky_bucket, fixed_window, sliding_log, sliding_counter, concurrency";

constexpr const char* kFormatsHelp = R"(
INPUT (--trace FILE, or standard input when FILE is - or absent): one request per line
  t_us,key[,cost]
  t_us: integer microseconds >= 0, non-decreasing from line to line
  key:  any text without commas (surrounding blanks trimmed), e.g. a consumer or address
  cost: optional integer 1..1000000000 (default 1)
  Blank lines and lines starting with # are ignored; the first data line may be the header
  "t_us,key" or "t_us,key,cost". Malformed lines are reported as FILE:LINE: what is wrong,
  and then nothing is replayed (exit 2).

OUTPUT: one line per request, in input order
  t_us,key,allow|deny,delay_us,retry_after_us,remaining
  delay_us:       how long an admitted request waits before it is forwarded (leaky_bucket)
  retry_after_us: for a denial, the earliest offset at which the same request is admitted
                  if nothing else arrives (1 us earlier it is still denied); concurrency:
                  when enough of the key's requests have been released; -1 when no time
                  will do (cost above the capacity). 0 for admitted requests.
  remaining:      whole requests the key could still send at that moment

PARAMETERS by algorithm (all keys share the policy, each key has its own state):
  token_bucket, gcra    --rate R (requests/s, up to 3 decimals) --burst B (>= 1)
  leaky_bucket          --rate R --burst B (requests that may wait, >= 0; NGINX limit_req
                        with burst, without nodelay: delayed while the queue has room)
  fixed_window, sliding_log, sliding_counter
                        --limit L (per window) --window-ms W (windows aligned to t = 0)
  concurrency           --limit L (in flight) --hold-ms H: every admitted request stays in
                        flight H ms, then is released; releases due at t happen before the
                        requests arriving at t
  A parameter the algorithm does not use is an error, as is a missing one.

EXIT STATUS: 0 done; 2 bad parameters, or an unreadable or malformed trace (nothing is
replayed); 3 gen-trace could not write --out. (1 is never used: there are no expectations.)

EXAMPLES
  gwsim limiter --algorithm token_bucket --rate 10 --burst 5 < trace.csv
  gwsim limiter --algorithm fixed_window --limit 100 --window-ms 60000 --trace trace.csv
  gwsim limiter compare --trace scenarios/traces/boundary_burst.csv \
      --algorithms fixed_window,sliding_log,token_bucket --limit 100 --window-ms 1000 \
      --rate 100 --burst 100 [--format table|csv|json]      (see: gwsim limiter compare --help)
  gwsim limiter gen-trace --kind boundary|steady|poisson|many-keys [--seed N] [--out FILE]
)";

constexpr const char* kCompareHelp = R"(
Runs each algorithm over the same trace (format: gwsim limiter --help) and prints, per
algorithm: admitted and denied requests; max/W, the most cost one key got forwarded
(arrival + delay) in any sliding window of length W (--measure-window-ms, default
--window-ms, else 1000); limit, the quota per W the overshoot is relative to (--limit scaled
to W, else rate * W); overshoot = max/W divided by limit (fixed_window shows up to 2.00x);
mean and max delay (leaky_bucket); bytes of limiter state per key.
Parameters are those of each algorithm (gwsim limiter --help); each must be used by at
least one of the algorithms listed, and every algorithm must get all of its own.

EXIT STATUS: 0 done; 2 bad parameters, or an unreadable or malformed trace.
)";

struct Parameters {
  std::string algorithm;
  std::vector<std::string> algorithms;
  double rate = 0;
  std::int64_t burst = 0;
  std::int64_t limit = 0;
  double windowMs = 0;
  double holdMs = 0;
  double measureWindowMs = 0;
  std::int64_t maxKeys = 1'000'000;
  std::string trace = "-";
  std::string format = "table";
  bool header = false;
  bool summary = false;
  std::string kind;
  std::uint64_t seed = 1;
  std::string out = "-";
};

struct Options {
  CLI::Option* rate = nullptr;
  CLI::Option* burst = nullptr;
  CLI::Option* limit = nullptr;
  CLI::Option* window = nullptr;
  CLI::Option* hold = nullptr;
};

// Milliseconds (or requests/s) with up to 3 decimals to integer thousandths.
std::optional<std::int64_t> thousandths(double value) {
  const double scaled = value * 1000.0;
  if (!std::isfinite(scaled) || std::fabs(scaled) > 9e15) return std::nullopt;
  const auto rounded = std::llround(scaled);
  if (std::fabs(static_cast<double>(rounded) - scaled) > 1e-6 * std::max(1.0, std::fabs(scaled))) return std::nullopt;
  return rounded;
}

class LimiterCli {
 public:
  explicit LimiterCli(LimiterIo io) : io_(io) {}

  void registerOn(CLI::App& app) {
    limiter_ = app.add_subcommand("limiter", "Replay a request trace through a rate limiter");
    limiter_->require_subcommand(0, 1);
    limiter_->footer(kFormatsHelp);
    limiter_->add_option("--algorithm", p_.algorithm, std::string("One of: ") + kAlgorithms);
    single_ = addPolicyOptions(limiter_);
    limiter_->add_option("--trace", p_.trace, "Trace file (- = standard input)");
    limiter_->add_option("--max-keys", p_.maxKeys, "Keys the limiter tracks at most (idle ones are evicted)")
        ->check(CLI::PositiveNumber);
    limiter_->add_flag("--header", p_.header, "Print a header line before the decisions");
    limiter_->add_flag("--summary", p_.summary, "Print the compare table for this run to standard error");

    compare_ = limiter_->add_subcommand("compare", "Run several algorithms over one trace and compare them");
    compare_->footer(kCompareHelp);
    compare_->add_option("--trace", p_.trace, "Trace file (- = standard input)")->required();
    compare_->add_option("--algorithms", p_.algorithms, std::string("Comma-separated: ") + kAlgorithms)
        ->required()
        ->delimiter(',');
    multi_ = addPolicyOptions(compare_);
    compare_->add_option("--measure-window-ms", p_.measureWindowMs,
                         "Window of the max/W column (default --window-ms, else 1000)");
    compare_->add_option("--format", p_.format, "table, csv or json")
        ->check(CLI::IsMember({"table", "csv", "json"}));
    compare_->add_option("--max-keys", p_.maxKeys, "Keys each limiter tracks at most")->check(CLI::PositiveNumber);

    gen_ = limiter_->add_subcommand("gen-trace", "Write one of the deterministic traces of scenarios/traces/");
    gen_->add_option("--kind", p_.kind, "boundary, steady, poisson or many-keys")
        ->required()
        ->check(CLI::IsMember({"boundary", "steady", "poisson", "many-keys"}));
    gen_->add_option("--seed", p_.seed, "Seed of the random arrivals (poisson, many-keys)");
    gen_->add_option("--out", p_.out, "Output file (- = standard output)");
    gen_->footer("EXIT STATUS: 0 done; 2 bad parameters; 3 --out could not be written.");
  }

  CLI::App* app() const { return limiter_; }

  int run() {
    if (compare_->parsed()) return runCompare();
    if (gen_->parsed()) return runGenerate();
    return runSingle();
  }

 private:
  Options addPolicyOptions(CLI::App* app) {
    Options o;
    o.rate = app->add_option("--rate", p_.rate, "Requests per second (token_bucket, gcra, leaky_bucket)");
    o.burst = app->add_option("--burst", p_.burst, "Burst (token_bucket, gcra) or queue places (leaky_bucket)");
    o.limit = app->add_option("--limit", p_.limit, "Requests per window, or in flight (concurrency)");
    o.window = app->add_option("--window-ms", p_.windowMs, "Window length in ms (window algorithms)");
    o.hold = app->add_option("--hold-ms", p_.holdMs, "How long each admitted request is in flight (concurrency)");
    return o;
  }

  int usage(const std::string& message) {
    *io_.err << "gwsim limiter: " << message << "\n";
    return kExitBadParameters;
  }

  static std::vector<std::string> neededBy(LimiterAlgorithm a) {
    if (gateway::usesRate(a)) return {"--rate", "--burst"};
    if (gateway::usesWindow(a)) return {"--limit", "--window-ms"};
    return {"--limit", "--hold-ms"};
  }

  static std::vector<std::pair<std::string, CLI::Option*>> named(const Options& o) {
    return {{"--rate", o.rate}, {"--burst", o.burst}, {"--limit", o.limit}, {"--window-ms", o.window}, {"--hold-ms", o.hold}};
  }

  // Builds the replay options for each algorithm; "" or the usage error.
  std::string buildOptions(const std::vector<LimiterAlgorithm>& algorithms, const Options& given,
                           std::vector<ReplayOptions>& out) {
    // Missing parameters, per algorithm; unused ones, over all of them.
    std::vector<std::string> used;
    for (LimiterAlgorithm a : algorithms) {
      for (const std::string& name : neededBy(a)) {
        used.push_back(name);
        for (const auto& [n, opt] : named(given)) {
          if (n == name && opt->count() == 0) return std::string(gateway::toString(a)) + " needs " + name;
        }
      }
    }
    for (const auto& [name, opt] : named(given)) {
      if (opt->count() > 0 && std::find(used.begin(), used.end(), name) == used.end()) {
        if (algorithms.size() == 1) {
          const auto needs = neededBy(algorithms[0]);
          return std::string(gateway::toString(algorithms[0])) + " does not use " + name + " (it takes " + needs[0] +
                 " and " + needs[1] + ")";
        }
        return "none of the algorithms uses " + name;
      }
    }
    ReplayOptions base;
    base.maxKeys = p_.maxKeys;
    if (given.rate->count()) {
      const auto milli = thousandths(p_.rate);
      if (!milli || *milli < 1 || *milli > gateway::kMaxRateMilli) {
        return "--rate must be from 0.001 to 1e9 requests/s with at most 3 decimals";
      }
      base.spec.rateMilli = *milli;
    }
    base.spec.burst = p_.burst;
    base.spec.limit = p_.limit;
    if (given.window->count()) {
      const auto us = thousandths(p_.windowMs);
      if (!us || *us < 1) return "--window-ms must be positive, in whole microseconds";
      base.spec.window = *us;
    }
    if (given.hold->count()) {
      const auto us = thousandths(p_.holdMs);
      if (!us || *us < 1) return "--hold-ms must be positive, in whole microseconds";
      base.hold = *us;
    }
    if (p_.measureWindowMs != 0) {
      const auto us = thousandths(p_.measureWindowMs);
      if (!us || *us < 1) return "--measure-window-ms must be positive, in whole microseconds";
      base.measureWindow = *us;
    } else if (given.window->count()) {
      base.measureWindow = base.spec.window;
    }
    if (given.limit->count() && base.measureWindow > 0 && given.window->count()) {
      base.referenceLimit = std::max<std::int64_t>(
          1, static_cast<std::int64_t>(static_cast<__int128>(p_.limit) * base.measureWindow / base.spec.window));
    }
    for (LimiterAlgorithm a : algorithms) {
      ReplayOptions o = base;
      o.spec.algorithm = a;
      if (std::string problem = LimiterReplay::validate(o); !problem.empty()) return problem;
      out.push_back(o);
    }
    return "";
  }

  // Reads and parses the trace; prints errors and returns false when unusable.
  bool loadTrace(Trace& trace) {
    const std::string source = p_.trace == "-" ? "<stdin>" : p_.trace;
    if (p_.trace == "-") {
      trace = parseTrace(*io_.in);
    } else {
      std::ifstream file(p_.trace);
      if (!file) {
        *io_.err << "gwsim limiter: cannot open trace " << p_.trace << "\n";
        return false;
      }
      trace = parseTrace(file);
    }
    for (const TraceError& e : trace.errors) *io_.err << formatTraceError(source, e) << "\n";
    return trace.ok();
  }

  int runSingle() {
    if (p_.algorithm.empty()) return usage("--algorithm is required (one of: " + std::string(kAlgorithms) + ")");
    const auto algorithm = gateway::parseLimiterAlgorithm(p_.algorithm);
    if (!algorithm) return usage("unknown algorithm \"" + p_.algorithm + "\" (one of: " + kAlgorithms + ")");
    std::vector<ReplayOptions> options;
    if (std::string problem = buildOptions({*algorithm}, single_, options); !problem.empty()) return usage(problem);
    Trace trace;
    if (!loadTrace(trace)) return kExitBadTrace;
    if (p_.header) *io_.out << "t_us,key,decision,delay_us,retry_after_us,remaining\n";
    const ReplaySummary summary = replayTrace(trace, options[0], io_.out);
    if (p_.summary) *io_.err << formatSummaries({summary}, ReportFormat::kTable);
    return 0;
  }

  int runCompare() {
    std::vector<LimiterAlgorithm> algorithms;
    for (const std::string& name : p_.algorithms) {
      const auto a = gateway::parseLimiterAlgorithm(name);
      if (!a) return usage("unknown algorithm \"" + name + "\" in --algorithms (one of: " + kAlgorithms + ")");
      if (std::find(algorithms.begin(), algorithms.end(), *a) != algorithms.end()) {
        return usage("\"" + name + "\" appears twice in --algorithms");
      }
      algorithms.push_back(*a);
    }
    if (algorithms.empty()) return usage("--algorithms is empty");
    std::vector<ReplayOptions> options;
    if (std::string problem = buildOptions(algorithms, multi_, options); !problem.empty()) return usage(problem);
    Trace trace;
    if (!loadTrace(trace)) return kExitBadTrace;
    *io_.out << formatSummaries(compareLimiters(trace, options), *parseReportFormat(p_.format));
    return 0;
  }

  int runGenerate() {
    const TraceKind kind = *parseTraceKind(p_.kind);
    if (p_.out == "-") {
      generateTrace(kind, p_.seed, *io_.out);
      return 0;
    }
    std::ofstream file(p_.out);
    if (file) generateTrace(kind, p_.seed, file);
    if (file) file.close();
    if (!file) {
      *io_.err << "gwsim limiter gen-trace: cannot write " << p_.out << "\n";
      return kExitCannotWrite;
    }
    return 0;
  }

  LimiterIo io_;
  Parameters p_;
  CLI::App* limiter_ = nullptr;
  CLI::App* compare_ = nullptr;
  CLI::App* gen_ = nullptr;
  Options single_;
  Options multi_;
};

}  // namespace

Command addLimiterCommand(CLI::App& app) { return addLimiterCommand(app, LimiterIo{}); }

Command addLimiterCommand(CLI::App& app, LimiterIo io) {
  auto cli = std::make_shared<LimiterCli>(io);
  cli->registerOn(app);
  return Command{cli->app(), [cli] { return cli->run(); }};
}

int runLimiterCli(const std::vector<std::string>& args, LimiterIo io) {
  CLI::App app{"gwsim: replay traffic through the gateway core in virtual time"};
  app.require_subcommand(1);
  Command command = addLimiterCommand(app, io);
  app.name("gwsim");
  if (auto status = parseArguments(app, args, *io.out, *io.err)) return *status;
  return command.app->parsed() ? command.run() : kExitBadParameters;
}

}  // namespace gwsim
