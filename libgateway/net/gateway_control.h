// What the admin API may ask of a running gateway: reload its config, say whether it is ready,
// render metrics and a JSON snapshot, show its config and recent requests, and reach the policy state its workers share (to purge
// response caches). Implemented by GatewayServer; every method is
// thread-safe (the admin API runs on its own thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "libgateway/config/json_reader.h"

namespace gateway {
class SharedState;
}

namespace gateway::net {

struct ReloadResult {
  bool ok = false;
  std::uint64_t version = 0;  // the config version now running
  FieldErrors errors;         // why the new config was refused (each with its JSON path)
  FieldErrors warnings;       // accepted, but these settings keep their running values
};

class GatewayControl {
 public:
  virtual ~GatewayControl() = default;
  // Re-reads the config file; a config with errors is refused and the old one keeps running.
  virtual ReloadResult reload() = 0;
  // False while starting or draining (load balancers should stop sending).
  virtual bool ready() const = 0;
  virtual void renderMetrics(std::string& out) const = 0;
  virtual nlohmann::json stats() const = 0;
  // The state every worker shares (thread-safe itself); null when there is none.
  virtual SharedState* sharedState() { return nullptr; }
  // GET /config: {"config_version", "config": the running config's document, secrets
  // redacted (admin_config.h)}; null when not available.
  virtual nlohmann::json runningConfig() const { return nullptr; }
  // GET /requests/recent: the JSON text of the requests completed after id `after`
  // (recent_requests.h), and recording kept on for a while; nullopt when not available.
  virtual std::optional<std::string> recentRequests(std::uint64_t /*after*/) { return std::nullopt; }
};

}  // namespace gateway::net
