// gatewayd assembled: N worker threads, each with its own EventLoop, Gateway, pooled
// transport and reporter, all sharing one SharedState (config, limiter stores); a listener
// spreading client connections over the workers; the admin API on its own loop (the thread
// that calls run()); SIGTERM/SIGINT drain, SIGHUP reload. create() and run() are called from
// one thread; shutdown() and the GatewayControl methods are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "libgateway/config/json_reader.h"
#include "libgateway/net/access_log.h"
#include "libgateway/net/admin_api.h"
#include "libgateway/net/admin_stats.h"
#include "libgateway/net/event_loop.h"
#include "libgateway/net/gateway_control.h"
#include "libgateway/net/gateway_options.h"
#include "libgateway/net/http_limits.h"
#include "libgateway/net/http_server.h"
#include "libgateway/net/metrics_registry.h"
#include "libgateway/net/pooled_transport.h"
#include "libgateway/net/recent_requests.h"
#include "libgateway/net/steady_clock.h"
#include "libgateway/pipeline/shared_state.h"

namespace gateway::net {

class GatewayServer final : public GatewayControl {
 public:
  // Loads the config, lays its server section and options.commandLine over the defaults in
  // `options` (gateway_options.h), and binds both addresses. On failure returns null with
  // `error` set, and config problems listed in `configErrors`.
  static std::unique_ptr<GatewayServer> create(const GatewayOptions& options, std::string& error,
                                               FieldErrors& configErrors);
  ~GatewayServer() override;

  std::string listenAddress() const { return listener_->address(); }
  std::string adminAddress() const { return adminServer_->address(); }
  unsigned threads() const { return static_cast<unsigned>(workers_.size()); }

  // Serves until SIGTERM/SIGINT or shutdown(), then drains; returns the exit status.
  int run();
  // Starts the graceful shutdown, as SIGTERM does.
  void shutdown();

  ReloadResult reload() override;
  bool ready() const override;
  void renderMetrics(std::string& out) const override;
  nlohmann::json stats() const override;
  SharedState* sharedState() override { return shared_.get(); }
  nlohmann::json runningConfig() const override;
  std::optional<std::string> recentRequests(std::uint64_t after) override;

  struct Worker;

 private:
  GatewayServer(const GatewayOptions& defaults, const GatewayOptions& options);
  void beginShutdown(int signal);
  void pollDrain();
  void finishWorkers(bool forced);
  // What /metrics and /stats render (admin_stats.h), read now.
  AdminStatsSources statsSources() const;

  const GatewayOptions defaults_;  // as given to create(): reloads resolve against it again
  GatewayOptions options_;         // in effect; reload() changes only what it may (reloadMutex_)
  SteadyClock clock_;
  std::unique_ptr<SharedState> shared_;
  // What the workers' Redis clients (cluster limits) were last given: the addresses as written
  // and resolved, the timeout and credentials. A reload compares a new config with it (reloadMutex_).
  struct RedisTarget {
    std::vector<std::string> names, seeds;
    Duration timeout = 0;
    std::string username, password;
    bool operator==(const RedisTarget&) const = default;
  };
  RedisTarget redis_;
  nlohmann::json configDocument_;  // the running config's, redacted (reloadMutex_)
  std::unique_ptr<RecentRequests> recent_;
  MetricsRegistry metrics_;
  UpstreamStats upstreamStats_;
  std::unique_ptr<AccessLog> accessLog_;
  EventLoop adminLoop_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<HttpServer> listener_;
  std::unique_ptr<AdminApi> adminApi_;
  std::unique_ptr<HttpServer> adminServer_;
  mutable std::mutex reloadMutex_;
  std::atomic<bool> running_{false};
  std::atomic<bool> draining_{false};
  TimePoint startedAt_ = 0;
  TimePoint drainDeadline_ = 0;
  bool shuttingDown_ = false;  // admin thread only
};

}  // namespace gateway::net
