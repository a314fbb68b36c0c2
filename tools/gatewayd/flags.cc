#include "tools/gatewayd/flags.h"

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "libgateway/core/exit_code.h"
#include "libgateway/core/version.h"

namespace gatewayd {

namespace {

// A flag whose value, when given, goes into the command-line layer of the settings.
struct Flag {
  CLI::Option* option;
  std::function<void()> record;
};

}  // namespace

std::optional<int> parseCommandLine(int argc, char** argv, CommandLine& out) {
  using gateway::millis;
  using gateway::net::GatewayOptions;
  GatewayOptions& options = out.options;  // the built-in defaults; the file and the flags go over them
  const GatewayOptions defaults;
  gateway::ServerConfig& cli = options.commandLine;
  std::string listen = defaults.listen, admin = defaults.admin, adminTokenFile, accessLog;
  std::int64_t threads = defaults.threads;
  std::int64_t drainMs = defaults.drainTimeout / gateway::kMillisecond,
               headerTimeoutMs = defaults.limits.headerTimeout / gateway::kMillisecond,
               bodyTimeoutMs = defaults.limits.bodyTimeout / gateway::kMillisecond,
               idleTimeoutMs = defaults.limits.idleTimeout / gateway::kMillisecond,
               writeTimeoutMs = defaults.limits.writeTimeout / gateway::kMillisecond,
               upstreamIdleMs = defaults.upstream.idleTimeout / gateway::kMillisecond;
  std::int64_t maxBody = static_cast<std::int64_t>(defaults.limits.maxBodyBytes),
               maxHeader = static_cast<std::int64_t>(defaults.limits.maxHeaderBytes),
               maxUrl = static_cast<std::int64_t>(defaults.limits.maxUrlBytes),
               maxPipelined = static_cast<std::int64_t>(defaults.limits.maxPipelined),
               maxConnections = static_cast<std::int64_t>(defaults.maxConnections),
               minBodyRate = static_cast<std::int64_t>(defaults.limits.minBodyRate),
               upstreamMax = static_cast<std::int64_t>(defaults.upstream.maxConnectionsPerInstance),
               upstreamIdle = static_cast<std::int64_t>(defaults.upstream.maxIdlePerInstance),
               maxResponseBody = static_cast<std::int64_t>(defaults.upstream.maxResponseBodyBytes);
  std::vector<Flag> flags;
  const auto setting = [&flags](CLI::Option* option, std::function<void()> record) {
    flags.push_back({option, std::move(record)});
    return option;
  };

  CLI::App app{"gatewayd: the API gateway (HTTP/1.1 reverse proxy with an admin API)"};
  app.footer(
      "Every flag but --config, --seed and --check can also be set in the config file's \"server\" "
      "section; a flag given here wins over the file, the file over the default shown. There is no "
      "access log unless --access-log or server.access_log names one.\n"
      "Exit status: 0 after a clean or drained stop (and --check: valid); 1 --check only: valid, "
      "but the access log cannot be written; 2 bad flags or config, nothing started; 3 could not "
      "start (a port in use, the access log cannot be opened).");
  // Required, but checked after the parse, so an unknown flag is reported as such first.
  app.add_option("--config,-c", options.configPath, "gateway config file (JSON); required")->check(CLI::ExistingFile);
  setting(app.add_option("--threads,-t", threads, "worker threads (one event loop and Gateway each)")
              ->check(CLI::Range(1, 256))
              ->capture_default_str(),
          [&] { cli.threads = threads; });
  setting(app.add_option("--listen,-l", listen, "client address host:port (port 0: pick a free port)")
              ->capture_default_str(),
          [&] { cli.listen = listen; });
  setting(app.add_option("--admin", admin, "admin API address host:port (keep it on loopback)")->capture_default_str(),
          [&] { cli.admin = admin; });
  setting(app.add_option("--admin-token-file", adminTokenFile,
                         "file holding a bearer token every admin request but /health and /ready must send "
                         "(Authorization: Bearer TOKEN; default: none)"),
          [&] { cli.adminTokenFile = adminTokenFile; });
  setting(app.add_option("--access-log", accessLog, "JSON-lines access log: a file, or - for stdout (default: none)"),
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
  setting(app.add_option("--body-timeout-ms", bodyTimeoutMs,
                         "time from the end of a request header to the end of its body (408 after), "
                         "extended by the body received at --min-body-bytes-per-s")
              ->check(CLI::Range(1, 3'600'000))
              ->capture_default_str(),
          [&] { cli.limits.bodyTimeout = millis(bodyTimeoutMs); });
  setting(app.add_option("--min-body-bytes-per-s", minBodyRate,
                         "each byte of request body received extends the body timeout by 1/this s "
                         "(0: the body timeout is a hard limit)")
              ->check(CLI::Range(0, 1 << 30))
              ->capture_default_str(),
          [&] { cli.limits.minBodyRate = minBodyRate; });
  setting(app.add_option("--idle-timeout-ms", idleTimeoutMs, "idle keep-alive connections close after this")
              ->check(CLI::Range(1, 3'600'000))
              ->capture_default_str(),
          [&] { cli.limits.idleTimeout = millis(idleTimeoutMs); });
  setting(app.add_option("--write-timeout-ms", writeTimeoutMs,
                         "a client that takes none of an answer's bytes for this long is reset")
              ->check(CLI::Range(1, 3'600'000))
              ->capture_default_str(),
          [&] { cli.limits.writeTimeout = millis(writeTimeoutMs); });
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
  app.add_flag("--check", out.checkOnly,
               "check the config file with every flag given laid over it, bind nothing, and exit "
               "(0 valid, 2 invalid, 1 valid but the access log cannot be written)");
  app.set_version_flag("--version", fmt::format("gatewayd {}", gateway::version()), "print the version and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "gatewayd: {}\ngatewayd: run gatewayd --help for the flags\n", e.what());
    return gateway::kExitBadInput;
  }
  if (options.configPath.empty()) {
    fmt::print(stderr, "gatewayd: --config FILE is required (the gateway config, JSON)\n"
                       "gatewayd: run gatewayd --help for the flags\n");
    return gateway::kExitBadInput;
  }
  // Only the flags actually given override the config file (CLI11 counts them).
  for (const auto& f : flags) {
    if (f.option->count() > 0) f.record();
  }
  return std::nullopt;
}

}  // namespace gatewayd
