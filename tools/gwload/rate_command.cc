#include "tools/gwload/rate_command.h"

#include <unistd.h>

#include <cmath>
#include <memory>

#include <fmt/format.h>

#include "libgateway/config/field_checks.h"
#include "libgateway/core/exit_code.h"

namespace gwload {

namespace {

bool finitePositive(double v) { return std::isfinite(v) && v > 0; }

}  // namespace

std::optional<CheckedRate> checkRateFlags(const RateFlags& f, std::string& error) {
  CheckedRate c;
  RateSettings& s = c.plan.settings;
  auto target = parseTarget(f.url, error);
  if (!target) return std::nullopt;
  c.plan.target = std::move(*target);
  s.url = f.url;
  if (!finitePositive(f.rate) || f.rate > 10'000'000) {
    error = fmt::format("--rate {:g}: must be a number of requests per second above 0 (at most 10000000)", f.rate);
    return std::nullopt;
  }
  if (!finitePositive(f.durationS) || f.durationS > 86'400) {
    error = fmt::format("--duration {:g}: must be seconds above 0 (at most 86400)", f.durationS);
    return std::nullopt;
  }
  if (!std::isfinite(f.warmupS) || f.warmupS < 0 || f.warmupS > 3600) {
    error = fmt::format("--warmup {:g}: must be seconds from 0 to 3600", f.warmupS);
    return std::nullopt;
  }
  if (f.arrival == "constant") {
    s.arrival = Arrival::kConstant;
  } else if (f.arrival == "poisson") {
    s.arrival = Arrival::kPoisson;
  } else {
    error = "--arrival \"" + f.arrival + "\": must be constant or poisson";
    return std::nullopt;
  }
  if (f.connectionsMax < 1 || f.connectionsMax > 100'000) {
    error = fmt::format("--connections-max {}: must be from 1 to 100000", f.connectionsMax);
    return std::nullopt;
  }
  if (!finitePositive(f.timeoutMs) || f.timeoutMs > 3'600'000) {
    error = fmt::format("--timeout {:g}: must be milliseconds above 0 (at most 3600000)", f.timeoutMs);
    return std::nullopt;
  }
  if (!gateway::validToken(f.method)) {
    error = "--method \"" + f.method + "\": not an HTTP method (a token such as GET or POST)";
    return std::nullopt;
  }
  if (f.threads < 1 || f.threads > 64) {
    error = fmt::format("--threads {}: must be from 1 to 64", f.threads);
    return std::nullopt;
  }
  if (f.rate / f.threads * (f.durationS + f.warmupS) < 1) {
    error = fmt::format("--rate {:g} for {:g} s sends no request on each of {} thread(s): raise the rate or the duration",
                        f.rate, f.durationS + f.warmupS, f.threads);
    return std::nullopt;
  }
  if (f.format != "text" && f.format != "json") {
    error = "--format \"" + f.format + "\": must be text or json";
    return std::nullopt;
  }
  for (const std::string& h : f.headers) {
    const auto colon = h.find(':');
    if (colon == std::string::npos || !gateway::validToken(h.substr(0, colon))) {
      error = "-H \"" + h + "\": expected 'Name: value' with a header name before the colon";
      return std::nullopt;
    }
    std::string value = h.substr(colon + 1);
    if (value.find_first_of("\r\n") != std::string::npos) {
      error = "-H \"" + h.substr(0, colon) + "\": the value has a line break";
      return std::nullopt;
    }
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    c.plan.headers.emplace_back(h.substr(0, colon), value);
  }
  for (const std::string& e : f.expects) {
    std::string why;
    auto t = parseThreshold(e, why);
    if (!t) {
      error = "--expect: " + why;
      return std::nullopt;
    }
    c.thresholds.push_back(std::move(*t));
  }
  s.method = f.method;
  s.rate = f.rate;
  s.durationS = f.durationS;
  s.warmupS = f.warmupS;
  s.seed = f.seed;
  s.connectionsMax = f.connectionsMax;
  s.timeoutMs = f.timeoutMs;
  s.threads = f.threads;
  c.plan.body = f.body;
  c.json = f.format == "json";
  return c;
}

int rateExitStatus(const Report& report, const std::vector<Verdict>& verdicts, std::ostream& err) {
  const LoadResult& r = report.result;
  if (report.fellBehind()) err << "gwload: " << report.behindMessage() << "\n";
  if (report.targetBehind()) err << "gwload: " << report.targetMessage() << "\n";
  if (r.responses == 0) {
    std::string why;
    for (std::size_t k = 0; k < kErrorKinds; ++k) {
      if (r.errors[k] == 0) continue;
      why += fmt::format("{}{} {} error{} (first: {})", why.empty() ? "" : ", ", r.errors[k],
                         toString(static_cast<ErrorKind>(k)), r.errors[k] == 1 ? "" : "s", r.firstError[k]);
    }
    err << "gwload: nothing could be measured: no request got a response"
        << (why.empty() ? std::string(" (no request was measured)") : ": " + why) << "\n";
    return gateway::kExitRuntime;
  }
  int failed = 0;
  for (const auto& v : verdicts) {
    if (v.passed) continue;
    ++failed;
    err << fmt::format("gwload: expectation failed: {} (actual {:g})\n", v.threshold.expression, v.actual);
  }
  return failed ? gateway::kExitCheckFailed : gateway::kExitOk;
}

Command addRateCommand(CLI::App& app) {
  auto flags = std::make_shared<RateFlags>();
  CLI::App* cmd = app.add_subcommand("rate", "Send requests to URL at a fixed rate (open loop) and report latency");
  cmd->add_option("url", flags->url, "http://host[:port][/path]")->required();
  cmd->add_option("--rate,-r", flags->rate, "Requests per second, all threads together")->required();
  cmd->add_option("--duration,-d", flags->durationS, "Seconds measured (default 10)");
  cmd->add_option("--warmup", flags->warmupS, "Seconds sent before the measured part, not measured (default 0)");
  cmd->add_option("--arrival", flags->arrival, "constant (even spacing, default) or poisson (from --seed)");
  cmd->add_option("--seed", flags->seed, "Seed of the Poisson arrivals (default 1)");
  cmd->add_option("--connections-max,-c", flags->connectionsMax,
                  "Connections per thread at most; they open as the rate needs them (default 64)");
  cmd->add_option("--timeout", flags->timeoutMs, "Milliseconds a request may take from its dispatch (default 10000)");
  cmd->add_option("--method,-m", flags->method, "HTTP method (default GET)");
  cmd->add_option("--header,-H", flags->headers, "A request header 'Name: value' (repeatable)");
  cmd->add_option("--body", flags->body, "The request body (sent with Content-Length)");
  cmd->add_option("--format", flags->format, "text (default) or json");
  cmd->add_option("--expect,-e", flags->expects,
                  "A threshold METRIC OP NUMBER, e.g. 'p99_ms < 50' (repeatable; any failing one exits 1)");
  cmd->add_option("--threads,-t", flags->threads, "Threads, each with its own loop and connections (default 1)");
  cmd->add_flag("--quiet,-q", flags->quiet, "No progress line");
  cmd->add_flag("--progress", flags->progress, "A progress line every second on stderr even when it is not a terminal");
  std::string metrics = "Metrics for --expect:\n";
  for (const auto& m : knownMetrics()) metrics += fmt::format("  {:<22} {}\n", m.name, m.meaning);
  cmd->footer(metrics);
  Command c;
  c.app = cmd;
  c.run = [flags](std::ostream& out, std::ostream& err) {
    std::string error;
    auto checked = checkRateFlags(*flags, error);
    if (!checked) {
      err << "gwload rate: " << error << " (see: gwload rate --help)\n";
      return static_cast<int>(gateway::kExitBadInput);
    }
    const bool progress = !flags->quiet && (flags->progress || ::isatty(STDERR_FILENO));
    checked->plan.progress = progress ? &err : nullptr;
    const Report report = runLoad(checked->plan);
    const std::vector<Verdict> verdicts = evaluate(report, checked->thresholds);
    if (checked->json) {
      out << toJson(report, verdicts).dump(2) << "\n";
    } else {
      out << formatText(report, verdicts);
    }
    out.flush();
    return rateExitStatus(report, verdicts, err);
  };
  return c;
}

}  // namespace gwload
