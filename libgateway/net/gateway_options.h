// gatewayd's process settings (listen and admin addresses, threads, access log, drain
// timeout, client-side limits, upstream pools) and how they are layered: built-in defaults,
// then the config file's "server" section, then the flags given on the command line.
// Plain values and free functions; safe from any thread.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "libgateway/config/config.h"
#include "libgateway/config/json_reader.h"
#include "libgateway/net/http_limits.h"
#include "libgateway/net/pooled_transport.h"

namespace gateway::net {

struct GatewayOptions {
  std::string configPath;
  std::uint64_t seed = 0;  // 0: a random seed (correlation ids, balancer draws)
  // Settings given explicitly on the command line: they win over the config file.
  ServerConfig commandLine;

  // The settings in effect. Passed to GatewayServer::create() they are the built-in defaults;
  // resolveOptions() lays the config file and the command line over them.
  unsigned threads = 1;
  std::string listen = "127.0.0.1:8080";
  std::string admin = "127.0.0.1:9901";
  std::string adminTokenFile;     // "" = the admin API needs no token (admin_token.h)
  std::string accessLogPath;      // "" = none, "-" = stdout
  Duration drainTimeout = seconds(10);
  std::size_t maxConnections = 0;  // client connections open at once; 0 = no cap
  HttpLimits limits;
  UpstreamOptions upstream;
};

// `defaults` with the file's server section applied, then defaults.commandLine on top.
GatewayOptions resolveOptions(const GatewayOptions& defaults, const ServerConfig& file);

// Sets every field that `layer` sets.
void applyServerSettings(const ServerConfig& layer, GatewayOptions& options);

// What a live reload cannot change: every server setting except limits.max_connections and
// drain_timeout_ms. One warning per such setting that differs between `running` and `next`,
// at its path in the file ("/server/listen").
FieldErrors restartOnlyChanges(const GatewayOptions& running, const GatewayOptions& next);

// The settings in effect as JSON, in the server section's names (for /stats).
nlohmann::json describeOptions(const GatewayOptions& options);

}  // namespace gateway::net
