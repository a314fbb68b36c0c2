#include "tools/gwload/scenario_command.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <utility>

#include <fmt/format.h>

#include "libgateway/core/exit_code.h"
#include "libgateway/config/field_checks.h"
#include "sim/scenario/scenario.h"
#include "tools/gwload/scenario_replay.h"
#include "tools/gwload/scenario_stack.h"

namespace gwload {

Command addScenarioCommand(CLI::App& app) {
  auto args = std::make_shared<ScenarioArgs>();
  ScenarioArgs& a = *args;
  CLI::App* sub = app.add_subcommand("scenario", "replay a scenario's clients and faults against a real gateway");
  sub->add_option("SCENARIO", a.scenario, "the scenario file (the same one gwsim runs)")->required();
  sub->add_option("--gateway", a.gateway, "the gateway under test, host:port (or --launch)");
  sub->add_option("--mock-admin", a.mockAdmin,
                  "a mock-services instance, host:port: the scenario's faults are posted to its /_faults");
  sub->add_flag("--launch", a.launch,
                "start mock-services and gatewayd for the scenario on free loopback ports, stop them at the end");
  sub->add_option("--gatewayd", a.gatewaydPath, "with --launch: the gatewayd binary (default: the one built with gwload)");
  sub->add_option("--mock-services", a.mockServicesPath, "with --launch: the mock-services binary");
  sub->add_option("--gateway-threads", a.gatewayThreads, "with --launch: gatewayd's worker threads (default: its own)")
      ->check(CLI::Range(1, 256));
  sub->add_option("--speed", a.speed, "scenario seconds per real second (faults and arrivals; service times stay real)")
      ->check(CLI::Range(0.01, 100.0))
      ->capture_default_str();
  sub->add_option("--duration-s", a.durationS, "cut the scenario to this many seconds")->check(CLI::Range(0.1, 86400.0));
  sub->add_option("--timeout", a.timeoutS, "seconds a try waits for its answer")->check(CLI::Range(0.001, 3600.0))->capture_default_str();
  sub->add_option("--drain", a.drainS, "seconds to wait after the end for answers still out and retries already decided")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  sub->add_option("--connections-max", a.maxConnections, "connections to the gateway at most")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  sub->add_option("--json", a.jsonPath, "write the result as gwsim run --json does (\"-\": stdout)");
  sub->add_flag("--quiet,-q", a.quiet, "no progress line");
  sub->footer(
      "Exit: 0 every expectation of the scenario held; 1 one failed; 2 bad flags or scenario;\n"
      "3 the stack could not start, no try could connect, or mock-services refused a fault.");
  return Command{sub, [args](std::ostream& out, std::ostream& err) { return runScenarioCommand(*args, out, err); }};
}

namespace {

int fail(std::ostream& err, int code, const std::string& what) {
  err << "gwload scenario: " << what << "\n";
  return code;
}

}  // namespace

int runScenarioCommand(const ScenarioArgs& a, std::ostream& out, std::ostream& err) {
  if (a.launch == !a.gateway.empty()) {
    return fail(err, gateway::kExitBadInput, "give either --gateway HOST:PORT or --launch (see: gwload scenario --help)");
  }
  for (const auto& [flag, value] : {std::pair<const char*, const std::string*>{"--gateway", &a.gateway},
                                    std::pair<const char*, const std::string*>{"--mock-admin", &a.mockAdmin}}) {
    std::string why;
    if (!value->empty() && !gateway::validAddress(*value, why)) {
      return fail(err, gateway::kExitBadInput,
                  std::string(flag) + " \"" + *value + "\": expected HOST:PORT (e.g. 127.0.0.1:8080): " + why);
    }
  }
  if (std::ifstream probe(a.scenario); !probe) {
    return fail(err, gateway::kExitBadInput, "cannot read the scenario file " + a.scenario);
  }
  auto load = gwsim::loadScenarioFile(a.scenario);
  if (!load.ok()) {
    err << "gwload scenario: " << a.scenario << " is not a valid scenario:\n";
    for (const auto& e : load.errors.list()) err << "  " << e.str() << "\n";
    return gateway::kExitBadInput;
  }
  gwsim::Scenario& scenario = *load.scenario;
  if (a.durationS > 0) scenario.duration = static_cast<gateway::Duration>(a.durationS * 1e6);
  for (const auto& g : scenario.clients) {
    if (g.replay) return fail(err, gateway::kExitBadInput, "client group " + g.name + " replays a trace: not supported for real yet");
  }
  if (!scenario.changes.empty()) {
    err << "gwload scenario: note: the scenario's " << scenario.changes.size()
        << " config change(s) are not applied to a real gateway\n";
  }

  ReplayOptions options;
  options.gateway = a.gateway;
  options.mockAdmin = a.mockAdmin;
  std::unique_ptr<ScenarioStack> stack;
  if (a.launch) {
    StackBinaries bin = builtBinaries();
    if (!a.gatewaydPath.empty()) bin.gatewayd = a.gatewaydPath;
    if (!a.mockServicesPath.empty()) bin.mockServices = a.mockServicesPath;
    bin.gatewayThreads = a.gatewayThreads;
    if (bin.gatewayd.empty() || bin.mockServices.empty()) {
      return fail(err, gateway::kExitBadInput, "--launch needs --gatewayd and --mock-services (no built ones known)");
    }
    std::string error;
    stack = ScenarioStack::start(a.scenario, scenario.gatewayJson, bin, error);
    if (!stack) return fail(err, gateway::kExitRuntime, error);
    options.gateway = stack->gateway();
    options.mockAdmin = stack->mockAdmin();
    if (!a.quiet) err << "gwload scenario: gatewayd on " << stack->gateway() << ", mock-services' faults via " << stack->mockAdmin() << "\n";
  }
  options.speed = a.speed;
  options.timeout = static_cast<gateway::Duration>(a.timeoutS * 1e6);
  options.drain = static_cast<gateway::Duration>(a.drainS * 1e6);
  options.maxConnections = a.maxConnections;
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  if (!a.quiet) {
    options.progress = [&err, tty](const std::string& line) {
      if (tty) err << "\r" << line << "   " << std::flush;
      else err << line << "\n";
    };
  }

  ReplayOutcome outcome = replayScenario(scenario, options);
  if (!a.quiet && tty) err << "\n";
  std::string stopProblems;
  const bool stoppedClean = !stack || stack->stop(stopProblems);

  const gwsim::RunResult& r = outcome.result;
  out << gwsim::formatRunSummary(r, gwsim::SummaryOf::kRealRun);
  const NoAnswerCounts& n = outcome.noAnswer;
  out << fmt::format("real: {:.1f} s wall, {} connections opened; tries with no answer: {} (connect {}, reset {}, timeout {}, protocol {}); {} still out at the end; {} retries due after the drain not sent\n",
                     outcome.wallSeconds, outcome.connectionsOpened, n.total(), n.connect, n.reset, n.timeout, n.protocol,
                     outcome.unanswered, outcome.unsentRetries);
  if (!a.jsonPath.empty()) {
    nlohmann::json j = r.toJson();
    j["world"] = "real";
    j["total"]["errors"] = toJson(n);
    for (const auto& [route, counts] : outcome.noAnswerByRoute) {
      if (j["routes"].contains(route)) j["routes"][route]["errors"] = toJson(counts);
    }
    j["real"] = {{"wall_s", outcome.wallSeconds},
                 {"connections_opened", outcome.connectionsOpened},
                 {"no_answer", {{"connect", n.connect}, {"reset", n.reset}, {"timeout", n.timeout}, {"protocol", n.protocol}}},
                 {"unanswered_at_end", outcome.unanswered},
                 {"retries_not_sent", outcome.unsentRetries},
                 {"speed", a.speed}};
    if (a.jsonPath == "-") {
      out << j.dump(2) << "\n";
    } else if (std::ofstream f(a.jsonPath); !(f << j.dump(2) << "\n")) {
      return fail(err, gateway::kExitRuntime, "cannot write " + a.jsonPath);
    }
  }
  for (const auto& e : outcome.faultErrors) err << "gwload scenario: fault not applied: " << e << "\n";
  if (!stoppedClean) err << "gwload scenario: stopping the stack: " << stopProblems << "\n";
  if (!outcome.faultErrors.empty()) return gateway::kExitRuntime;
  if (outcome.nobodyThere) {
    return fail(err, gateway::kExitRuntime, "no try could connect to " + options.gateway);
  }
  return r.passed() ? gateway::kExitOk : gateway::kExitCheckFailed;
}

}  // namespace gwload
