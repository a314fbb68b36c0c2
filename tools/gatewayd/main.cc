// gatewayd: the API gateway for real. Loads a declarative config, serves HTTP/1.1 on the
// listen address with N worker threads, and the admin API on its own address; listener
// settings come from the config's "server" section, overridden by flags. Prints one JSON
// line with the bound addresses on stdout once listening (port 0 picks free ports), so
// scripts and tests can find it. Exit status: 0 after a clean or drained stop, 2 on bad
// usage or config, 1 when it cannot start.
#include <csignal>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "libgateway/config/config_loader.h"
#include "libgateway/net/gateway_server.h"

namespace {

// A flag whose value, when given, goes into the command-line layer of the settings.
struct Flag {
  CLI::Option* option;
  std::function<void()> record;
};

}  // namespace

int main(int argc, char** argv) {
  using gateway::millis;
  using gateway::net::GatewayOptions;
  GatewayOptions options;  // the built-in defaults; the config file and the flags go over them
  const GatewayOptions defaults;
  gateway::ServerConfig& cli = options.commandLine;
  std::string listen = defaults.listen, admin = defaults.admin, accessLog;
  std::int64_t threads = defaults.threads;
  std::int64_t drainMs = defaults.drainTimeout / gateway::kMillisecond,
               headerTimeoutMs = defaults.limits.headerTimeout / gateway::kMillisecond,
               idleTimeoutMs = defaults.limits.idleTimeout / gateway::kMillisecond,
               upstreamIdleMs = defaults.upstream.idleTimeout / gateway::kMillisecond;
  std::int64_t maxBody = static_cast<std::int64_t>(defaults.limits.maxBodyBytes),
               maxHeader = static_cast<std::int64_t>(defaults.limits.maxHeaderBytes),
               maxUrl = static_cast<std::int64_t>(defaults.limits.maxUrlBytes),
               maxPipelined = static_cast<std::int64_t>(defaults.limits.maxPipelined),
               maxConnections = static_cast<std::int64_t>(defaults.maxConnections),
               upstreamMax = static_cast<std::int64_t>(defaults.upstream.maxConnectionsPerInstance),
               upstreamIdle = static_cast<std::int64_t>(defaults.upstream.maxIdlePerInstance),
               maxResponseBody = static_cast<std::int64_t>(defaults.upstream.maxResponseBodyBytes);
  bool checkOnly = false;
  std::vector<Flag> flags;
  const auto setting = [&flags](CLI::Option* option, std::function<void()> record) {
    flags.push_back({option, std::move(record)});
    return option;
  };

  CLI::App app{"gatewayd: the API gateway (HTTP/1.1 reverse proxy with an admin API)"};
  app.footer(
      "Every flag but --config, --seed and --check can also be set in the config file's \"server\" "
      "section; a flag given here wins over the file, the file over the default shown.");
  app.add_option("--config,-c", options.configPath, "gateway config file (JSON)")->required()->check(CLI::ExistingFile);
  setting(app.add_option("--threads,-t", threads, "worker threads (one event loop and Gateway each)")
              ->check(CLI::Range(1, 256))
              ->capture_default_str(),
          [&] { cli.threads = threads; });
  setting(app.add_option("--listen,-l", listen, "client address host:port (port 0: pick a free port)")
              ->capture_default_str(),
          [&] { cli.listen = listen; });
  setting(app.add_option("--admin", admin, "admin API address host:port (keep it on loopback)")->capture_default_str(),
          [&] { cli.admin = admin; });
  setting(app.add_option("--access-log", accessLog, "JSON-lines access log file, or - for stdout"),
          [&] { cli.accessLog = accessLog; });
  setting(app.add_option("--drain-timeout-ms", drainMs, "on SIGTERM, how long in-flight requests may finish")
              ->check(CLI::Range(0, 3'600'000))
              ->capture_default_str(),
          [&] { cli.drainTimeout = millis(drainMs); });
  app.add_option("--seed", options.seed, "seed for correlation ids and balancer draws (0: random)");
  setting(app.add_option("--max-body-bytes", maxBody, "largest request body (413 above)")
              ->check(CLI::Range(0, 1 << 30))
              ->capture_default_str(),
          [&] { cli.limits.maxBodyBytes = maxBody; });
  setting(app.add_option("--max-header-bytes", maxHeader, "largest request header section (431 above)")
              ->check(CLI::Range(256, 1 << 20))
              ->capture_default_str(),
          [&] { cli.limits.maxHeaderBytes = maxHeader; });
  setting(app.add_option("--max-url-bytes", maxUrl, "longest request target (414 above)")
              ->check(CLI::Range(16, 1 << 20))
              ->capture_default_str(),
          [&] { cli.limits.maxUrlBytes = maxUrl; });
  setting(app.add_option("--max-pipelined", maxPipelined, "requests read ahead of their responses")
              ->check(CLI::Range(1, 1024))
              ->capture_default_str(),
          [&] { cli.limits.maxPipelined = maxPipelined; });
  setting(app.add_option("--max-connections", maxConnections,
                         "client connections open at once; more are closed as soon as accepted (0: no cap)")
              ->check(CLI::Range(0, 1'000'000))
              ->capture_default_str(),
          [&] { cli.limits.maxConnections = maxConnections; });
  setting(app.add_option("--header-timeout-ms", headerTimeoutMs, "time to receive a request header (408 after)")
              ->check(CLI::Range(1, 3'600'000))
              ->capture_default_str(),
          [&] { cli.limits.headerTimeout = millis(headerTimeoutMs); });
  setting(app.add_option("--idle-timeout-ms", idleTimeoutMs, "idle keep-alive connections close after this")
              ->check(CLI::Range(1, 3'600'000))
              ->capture_default_str(),
          [&] { cli.limits.idleTimeout = millis(idleTimeoutMs); });
  setting(app.add_option("--upstream-max-connections", upstreamMax, "connections per upstream instance per worker")
              ->check(CLI::Range(1, 100000))
              ->capture_default_str(),
          [&] { cli.upstream.maxConnectionsPerInstance = upstreamMax; });
  setting(app.add_option("--upstream-max-idle", upstreamIdle,
                         "idle keep-alive connections kept per upstream instance per worker")
              ->check(CLI::Range(0, 100000))
              ->capture_default_str(),
          [&] { cli.upstream.maxIdlePerInstance = upstreamIdle; });
  setting(app.add_option("--upstream-idle-timeout-ms", upstreamIdleMs, "idle upstream connections close after this")
              ->check(CLI::Range(1, 3'600'000))
              ->capture_default_str(),
          [&] { cli.upstream.idleTimeout = millis(upstreamIdleMs); });
  setting(app.add_option("--max-response-body-bytes", maxResponseBody,
                         "largest upstream response body (502 above; a streamed body is cut)")
              ->check(CLI::Range(0, 1 << 30))
              ->capture_default_str(),
          [&] { cli.upstream.maxResponseBodyBytes = maxResponseBody; });
  app.add_flag("--check", checkOnly, "validate the config and exit (0 when valid)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is not an error
  }
  // Only the flags actually given override the config file (CLI11 counts them).
  for (const auto& f : flags) {
    if (f.option->count() > 0) f.record();
  }

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
                                {"threads", server->threads()},
                                {"pid", static_cast<long>(::getpid())}};
  fmt::print("{}\n", ready.dump());
  std::fflush(stdout);
  return server->run();
}
