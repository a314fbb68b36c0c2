// mock-services: the example microservices (users, orders, products, payments, inventory,
// reviews, recommendations) as real HTTP servers on loopback ports, with deterministic data,
// the simulator's latency/error/capacity model and fault control (see mock_config.h and
// fault_control.h). Prints one JSON line with every instance's port on stdout once
// listening. Exit status: 0 after SIGTERM/SIGINT, 2 on bad usage or config, 1 when a port
// cannot be bound.
#include <csignal>
#include <cstdio>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "libgateway/net/event_loop.h"
#include "libgateway/net/steady_clock.h"
#include "mock-services/mock_fleet.h"

int main(int argc, char** argv) {
  std::string configPath, scenarioPath, host;
  std::uint64_t seed = 0;
  CLI::App app{"mock-services: example microservices with deterministic data and fault control"};
  auto* config = app.add_option("--config,-c", configPath, "mock-services config file (JSON)")->check(CLI::ExistingFile);
  auto* scenario = app.add_option("--scenario", scenarioPath, "scenario file whose services to run")->check(CLI::ExistingFile);
  config->excludes(scenario);
  app.add_option("--seed", seed, "data seed (overrides the file's)");
  app.add_option("--host", host, "address to listen on (overrides the file's, default 127.0.0.1)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is not an error
  }

  if (!scenarioPath.empty()) {
    fmt::print(stderr, "mock-services: --scenario {}: scenario files are not supported yet; describe the services "
                       "in a --config file\n", scenarioPath);
    return 2;
  }
  if (configPath.empty()) {
    fmt::print(stderr, "mock-services: give --config FILE\n{}", app.help());
    return 2;
  }
  gateway::FieldErrors errors;
  auto mockConfig = gateway::mock::MockConfig::load(configPath, errors);
  if (!mockConfig) {
    for (const auto& e : errors.list()) fmt::print(stderr, "mock-services: {}: {}\n", configPath, e.str());
    return 2;
  }
  if (seed != 0) mockConfig->seed = seed;
  if (!host.empty()) mockConfig->host = host;

  std::signal(SIGPIPE, SIG_IGN);
  gateway::net::SteadyClock clock;
  gateway::net::EventLoop loop(clock);
  std::string error;
  auto fleet = gateway::mock::MockFleet::start(*mockConfig, loop, error);
  if (!fleet) {
    fmt::print(stderr, "mock-services: {}\n", error);
    return 1;
  }
  loop.onSignals({SIGTERM, SIGINT}, [&](int) {
    fleet->stop();
    loop.cancelTimers();
    loop.finish();
  });
  nlohmann::json ready = fleet->ports();
  ready["pid"] = static_cast<long>(::getpid());
  fmt::print("{}\n", ready.dump());
  std::fflush(stdout);
  loop.run();
  return 0;
}
