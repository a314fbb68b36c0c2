#include "libgateway/pipeline/cluster_limit_report.h"

#include <nlohmann/json.hpp>

#include "libgateway/http/prometheus_text.h"
#include "libgateway/pipeline/shared_state.h"

namespace gateway {

void ClusterLimitReport::snapshot(TimePoint, nlohmann::json& out) const {
  const auto runtime = shared_.runtime();
  const ClusterLimitsConfig& c = runtime->config().rateLimits.cluster;
  if (c.redis.empty()) return;  // no cluster store in the running config (a reload may add one)
  const ClusterHealth::Stats s = shared_.limiters().clusterHealth()->stats();
  out = {{"store", c.redis},
         {"mode", toString(c.mode)},
         {"on_failure", toString(c.onFailure)},
         {"instances", c.instances},
         {"up", s.up},
         {"sent", s.sent},
         {"failed", s.failed},
         {"skipped", s.skipped},
         {"transitions", s.transitions},
         {"on_failure_decisions", {{"fail_open", s.failOpen}, {"fail_closed", s.failClosed}, {"local_fallback", s.fallback}}},
         {"redirects", {{"moved", s.moved}, {"ask", s.asked}}}};
  nlohmann::json sync = nlohmann::json::object();
  for (const auto& [prefix, ws] : shared_.limiters().syncs()) {
    const WindowSync::Stats w = ws->stats();
    sync[prefix] = {{"keys", w.keys}, {"flushes", w.flushes}, {"failed", w.failed}};
  }
  if (!sync.empty()) out["sync"] = std::move(sync);
}

void ClusterLimitReport::metrics(TimePoint, std::string& out) const {
  if (shared_.runtime()->config().rateLimits.cluster.redis.empty()) return;
  const ClusterHealth::Stats s = shared_.limiters().clusterHealth()->stats();
  appendGauge(out, "gateway_cluster_limits_up", "Whether the cluster rate-limit store answers (1) or not (0)", s.up ? 1 : 0);
  appendFamilyHeader(out, "gateway_cluster_limits_sent_total", "Decisions and counts sent to the cluster store", "counter");
  appendSample(out, "gateway_cluster_limits_sent_total", "", s.sent);
  appendFamilyHeader(out, "gateway_cluster_limits_failed_total", "Calls the cluster store did not answer in time or answered with an error", "counter");
  appendSample(out, "gateway_cluster_limits_failed_total", "", s.failed);
  appendFamilyHeader(out, "gateway_cluster_limits_skipped_total", "Decisions not sent: the store was down and no probe was due", "counter");
  appendSample(out, "gateway_cluster_limits_skipped_total", "", s.skipped);
  appendFamilyHeader(out, "gateway_cluster_limits_transitions_total", "Times the store went down or came back", "counter");
  appendSample(out, "gateway_cluster_limits_transitions_total", "", s.transitions);
  appendFamilyHeader(out, "gateway_cluster_limits_on_failure_total", "Decisions taken by on_failure, by what it did", "counter");
  appendSample(out, "gateway_cluster_limits_on_failure_total", prometheusLabels({{"action", "fail_open"}}), s.failOpen);
  appendSample(out, "gateway_cluster_limits_on_failure_total", prometheusLabels({{"action", "fail_closed"}}), s.failClosed);
  appendSample(out, "gateway_cluster_limits_on_failure_total", prometheusLabels({{"action", "local_fallback"}}), s.fallback);
  appendFamilyHeader(out, "gateway_cluster_limits_redirects_total", "Redis Cluster redirects followed, by kind", "counter");
  appendSample(out, "gateway_cluster_limits_redirects_total", prometheusLabels({{"kind", "moved"}}), s.moved);
  appendSample(out, "gateway_cluster_limits_redirects_total", prometheusLabels({{"kind", "ask"}}), s.asked);
}

}  // namespace gateway
