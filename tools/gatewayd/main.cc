// gatewayd: the API gateway for real. Loads a declarative config, serves HTTP/1.1 on the
// listen address with N worker threads, and the admin API on its own address. Prints one JSON
// line with the bound addresses on stdout once listening (port 0 picks free ports), so
// scripts and tests can find it. Exit status: 0 after a clean or drained stop, 2 on bad
// usage or config, 1 when it cannot start.
#include <csignal>
#include <cstdio>
#include <string>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "libgateway/config/config_loader.h"
#include "libgateway/net/gateway_server.h"

int main(int argc, char** argv) {
  using gateway::millis;
  gateway::net::GatewayOptions options;
  std::int64_t drainMs = 10'000, headerTimeoutMs = 10'000, idleTimeoutMs = 60'000, upstreamIdleMs = 30'000;
  bool checkOnly = false;

  CLI::App app{"gatewayd: the API gateway (HTTP/1.1 reverse proxy with an admin API)"};
  app.add_option("--config,-c", options.configPath, "gateway config file (JSON)")->required()->check(CLI::ExistingFile);
  app.add_option("--threads,-t", options.threads, "worker threads (one event loop and Gateway each)")
      ->check(CLI::Range(1, 256));
  app.add_option("--listen,-l", options.listen, "client address host:port (port 0: pick a free port)")
      ->capture_default_str();
  app.add_option("--admin", options.admin, "admin API address host:port (keep it on loopback)")->capture_default_str();
  app.add_option("--access-log", options.accessLogPath, "JSON-lines access log file, or - for stdout");
  app.add_option("--drain-timeout-ms", drainMs, "on SIGTERM, how long in-flight requests may finish")
      ->check(CLI::Range(0, 3'600'000))
      ->capture_default_str();
  app.add_option("--seed", options.seed, "seed for correlation ids and balancer draws (0: random)");
  app.add_option("--max-body-bytes", options.limits.maxBodyBytes, "largest request body (413 above)")
      ->check(CLI::Range(0, 1 << 30))
      ->capture_default_str();
  app.add_option("--max-header-bytes", options.limits.maxHeaderBytes, "largest request header section (431 above)")
      ->check(CLI::Range(256, 1 << 20))
      ->capture_default_str();
  app.add_option("--max-url-bytes", options.limits.maxUrlBytes, "longest request target (414 above)")
      ->check(CLI::Range(16, 1 << 20))
      ->capture_default_str();
  app.add_option("--max-pipelined", options.limits.maxPipelined, "requests read ahead of their responses")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--header-timeout-ms", headerTimeoutMs, "time to receive a request header (408 after)")
      ->check(CLI::Range(1, 3'600'000))
      ->capture_default_str();
  app.add_option("--idle-timeout-ms", idleTimeoutMs, "idle keep-alive connections close after this")
      ->check(CLI::Range(1, 3'600'000))
      ->capture_default_str();
  app.add_option("--upstream-max-connections", options.upstream.maxConnectionsPerInstance,
                 "connections per upstream instance per worker")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--upstream-max-idle", options.upstream.maxIdlePerInstance,
                 "idle keep-alive connections kept per upstream instance per worker")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  app.add_option("--upstream-idle-timeout-ms", upstreamIdleMs, "idle upstream connections close after this")
      ->check(CLI::Range(1, 3'600'000))
      ->capture_default_str();
  app.add_option("--max-response-body-bytes", options.upstream.maxResponseBodyBytes,
                 "largest upstream response body buffered (502 above)")
      ->check(CLI::Range(0, 1 << 30))
      ->capture_default_str();
  app.add_flag("--check", checkOnly, "validate the config and exit (0 when valid)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is not an error
  }

  options.drainTimeout = millis(drainMs);
  options.limits.headerTimeout = millis(headerTimeoutMs);
  options.limits.idleTimeout = millis(idleTimeoutMs);
  options.upstream.idleTimeout = millis(upstreamIdleMs);

  if (checkOnly) {
    const auto load = gateway::loadConfigFile(options.configPath);
    for (const auto& e : load.errors.list()) fmt::print(stderr, "gatewayd: {}: {}\n", options.configPath, e.str());
    if (load.ok()) fmt::print("gatewayd: {}: ok\n", options.configPath);
    return load.ok() ? 0 : 2;
  }

  std::signal(SIGPIPE, SIG_IGN);
  std::string error;
  gateway::FieldErrors configErrors;
  auto server = gateway::net::GatewayServer::create(options, error, configErrors);
  if (!server) {
    for (const auto& e : configErrors.list()) fmt::print(stderr, "gatewayd: {}: {}\n", options.configPath, e.str());
    fmt::print(stderr, "gatewayd: {}\n", error);
    return configErrors.empty() ? 1 : 2;
  }
  const nlohmann::json ready = {{"listen", server->listenAddress()},
                                {"admin", server->adminAddress()},
                                {"threads", options.threads},
                                {"pid", static_cast<long>(::getpid())}};
  fmt::print("{}\n", ready.dump());
  std::fflush(stdout);
  return server->run();
}
