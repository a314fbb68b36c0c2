// gatewayd's /metrics and /stats: the server's own numbers (connections, listener rejections,
// requests by route and code, upstream pool counters, config version, readiness) around the
// core's policy report (libgateway/pipeline/policy_report.h), which shows every policy's live
// state. Runs on the admin thread; reads atomics and thread-safe registries only. The sources
// are borrowed for the call and must outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "libgateway/core/time.h"
#include "libgateway/net/http_server.h"
#include "libgateway/net/metrics_registry.h"
#include "libgateway/net/pooled_transport.h"
#include "libgateway/pipeline/shared_state.h"

namespace gateway::net {

struct AdminStatsSources {
  const SharedState& shared;
  const MetricsRegistry& metrics;
  const ConnectionStats& connections;
  const UpstreamStats& upstream;
  TimePoint now = 0;                  // the server's clock, for the policy report
  std::int64_t requestsInFlight = 0;  // received and not yet answered, over every worker
  std::size_t threads = 0;
  bool ready = false;
  bool draining = false;
  double uptimeSeconds = 0;
  // The settings in effect (describeOptions) with the bound addresses; /stats only.
  nlohmann::json server = nullptr;
};

// The Prometheus text: MetricsRegistry's families, the server's, then the policy report's.
void renderAdminMetrics(const AdminStatsSources& sources, std::string& out);

// The /stats document; its "policies" member is policySnapshot() (libgateway/README.md).
nlohmann::json adminStats(const AdminStatsSources& sources);

}  // namespace gateway::net
