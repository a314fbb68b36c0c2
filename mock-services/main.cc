// mock-services: the example microservices (users, orders, products, payments, inventory,
// reviews, recommendations) as real HTTP servers on loopback ports, with deterministic data,
// the simulator's latency/error/capacity model and fault control (see mock_config.h and
// fault_control.h). The services come from a --config file, or from a --scenario file (read
// by the simulator's own loader): one mock service per gateway service of the scenario, its
// instances' ids from the gateway config, their models from the scenario's "services", the
// scenario's seed, and its fault timeline with "at_s" counted from process start (--no-faults
// skips it). Ports are ephemeral unless --use-scenario-ports binds the gateway config's
// loopback addresses, so gatewayd with that config reaches the mocks. Prints one JSON line
// with every instance's port on stdout once listening. `--help` lists every endpoint and the
// config format (usage.cc). Exit codes (libgateway/core/exit_code.h): 0 after SIGTERM/SIGINT
// or for --help/--version, 2 on bad flags, config or scenario (every error with its JSON
// path), 3 when a port cannot be bound.
#include <csignal>
#include <cstdio>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "libgateway/core/exit_code.h"
#include "libgateway/core/version.h"
#include "libgateway/net/event_loop.h"
#include "libgateway/net/steady_clock.h"
#include "mock-services/mock_fleet.h"
#include "mock-services/usage.h"
#include "sim/scenario/scenario.h"

int main(int argc, char** argv) {
  gateway::net::SteadyClock clock;
  const gateway::TimePoint processStart = clock.now();  // scenario faults' at_s count from here

  std::string configPath, scenarioPath, host;
  std::uint64_t seed = 0;
  bool scenarioPorts = false, noFaults = false;
  CLI::App app{"mock-services: example microservices with deterministic data and fault control"};
  auto* config = app.add_option("--config,-c", configPath, "mock-services config file (JSON)")->check(CLI::ExistingFile);
  auto* scenario = app.add_option("--scenario", scenarioPath,
                                  "scenario file (scenarios/*.json) whose services to run: the gateway config's "
                                  "instances with the scenario's models, seed and fault timeline")
                       ->check(CLI::ExistingFile);
  config->excludes(scenario);
  auto* seedOption = app.add_option("--seed", seed, "data seed (overrides the file's)");
  auto* hostOption = app.add_option("--host", host, "address to listen on (overrides the file's, default 127.0.0.1)");
  app.add_flag("--use-scenario-ports", scenarioPorts,
               "with --scenario: bind each instance's address from the gateway config (loopback only) instead "
               "of an ephemeral port")
      ->needs(scenario)
      ->excludes(hostOption);
  app.add_flag("--no-faults", noFaults, "with --scenario: do not load the scenario's fault timeline")->needs(scenario);
  app.set_version_flag("--version", std::string(gateway::version()), "print the version and exit");
  app.footer("With --scenario, fault times (at_s) count from the moment mock-services starts.\n\n" +
             gateway::mock::usageFooter());
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version end here too, with CLI11's own success code; every other parse
    // error is bad usage (never CLI11's own 105, 109...).
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
    fmt::print(stderr, "mock-services: {}\nRun mock-services --help for the flags, the endpoints and the config format.\n",
               e.what());
    return gateway::kExitBadInput;
  }
  if (configPath.empty() && scenarioPath.empty()) {
    fmt::print(stderr, "mock-services: give --config FILE or --scenario FILE (mock-services --help shows both)\n");
    return gateway::kExitBadInput;
  }

  gateway::FieldErrors errors;
  std::optional<gateway::mock::MockConfig> mockConfig;
  std::optional<gwsim::Scenario> loaded;
  const std::string& source = scenarioPath.empty() ? configPath : scenarioPath;
  if (!scenarioPath.empty()) {
    auto load = gwsim::loadScenarioFile(scenarioPath);
    errors = std::move(load.errors);
    if (load.ok()) {
      loaded = std::move(load.scenario);
      mockConfig = gateway::mock::MockConfig::fromScenario(*loaded, scenarioPorts, errors);
    }
  } else {
    mockConfig = gateway::mock::MockConfig::load(configPath, errors);
  }
  if (!mockConfig) {
    for (const auto& e : errors.list()) fmt::print(stderr, "mock-services: {}: {}\n", source, e.str());
    return gateway::kExitBadInput;
  }
  if (seedOption->count() > 0) mockConfig->seed = seed;
  if (!host.empty()) mockConfig->host = host;

  std::signal(SIGPIPE, SIG_IGN);
  gateway::net::EventLoop loop(clock);
  std::string error;
  auto fleet = gateway::mock::MockFleet::start(*mockConfig, loop, error);
  if (!fleet) {
    fmt::print(stderr, "mock-services: {}\n", error);
    return gateway::kExitRuntime;
  }
  if (loaded && !noFaults && !loaded->faults.empty()) {
    for (const auto& f : loaded->faults) {
      fmt::print(stderr, "mock-services: scenario fault (from process start): {}\n", f.describe());
    }
    fleet->faults().load(loaded->faults, processStart);
  }
  loop.onSignals({SIGTERM, SIGINT}, [&](int) {
    fleet->stop();
    loop.cancelTimers();
    loop.finish();
  });
  nlohmann::json ready = fleet->ports();
  ready["pid"] = static_cast<long>(::getpid());
  if (loaded) ready["scenario"] = loaded->name;
  fmt::print("{}\n", ready.dump());
  std::fflush(stdout);
  loop.run();
  return gateway::kExitOk;
}
