#include "libgateway/net/admin_stats.h"

#include <array>
#include <utility>

#include "libgateway/http/prometheus_text.h"
#include "libgateway/pipeline/policy_report.h"

namespace gateway::net {

namespace {

using nlohmann::json;

// Requests the listener refused before routing, by status (the same five in both outputs).
std::array<std::pair<const char*, std::uint64_t>, 5> rejections(const ConnectionStats& cs) {
  return {{{"400", cs.rejected400.load()},
           {"408", cs.rejected408.load()},
           {"413", cs.rejected413.load()},
           {"414", cs.rejected414.load()},
           {"431", cs.rejected431.load()}}};
}

json routesJson(const Config& config, const std::vector<MetricsRegistry::RequestCount>& counts) {
  json routes = json::array();
  for (const auto& r : config.routes) {
    json services = json::array();
    for (const auto& b : r.backends) services.push_back({{"service", b.service}, {"weight", b.weight}});
    std::uint64_t n = 0;
    json codes = json::object();
    for (const auto& c : counts) {
      if (c.route != r.name) continue;
      n += c.count;
      const std::string code = std::to_string(c.code);
      codes[code] = codes.value(code, std::uint64_t{0}) + c.count;
    }
    routes.push_back({{"name", r.name},
                      {"match", {{"type", toString(r.pathType)}, {"path", r.path}, {"methods", r.methods}, {"hosts", r.hosts}}},
                      {"backends", services},
                      {"requests", n},
                      {"by_code", codes}});
  }
  return routes;
}

// Services as configured, with each instance's upstream attempts by outcome. Live policy
// state (in flight, breakers, ejections...) is in "policies", written by the core.
json servicesJson(const Config& config, const std::vector<MetricsRegistry::UpstreamCount>& upstream) {
  json services = json::array();
  for (const auto& sc : config.services) {
    json instances = json::array();
    for (const auto& ic : sc.instances) {
      json outcomes = json::object();
      std::uint64_t attempts = 0;
      for (const auto& u : upstream) {
        if (u.service != sc.name || u.instance != ic.id) continue;
        outcomes[u.outcome] = u.count;
        attempts += u.count;
      }
      instances.push_back(
          {{"id", ic.id}, {"address", ic.address}, {"weight", ic.weight}, {"attempts", attempts}, {"outcomes", outcomes}});
    }
    services.push_back({{"name", sc.name},
                        {"load_balancer", toString(sc.loadBalancer.algorithm)},
                        {"timeout_ms", sc.timeout / kMillisecond},
                        {"instances", instances}});
  }
  return services;
}

}  // namespace

void renderAdminMetrics(const AdminStatsSources& s, std::string& out) {
  s.metrics.render(out);
  const ConnectionStats& cs = s.connections;
  appendFamilyHeader(out, "gateway_connections_accepted_total", "Client connections accepted.", "counter");
  appendSample(out, "gateway_connections_accepted_total", {}, cs.accepted.load());
  appendGauge(out, "gateway_connections_active", "Client connections open now.", static_cast<double>(cs.active.load()));
  appendFamilyHeader(out, "gateway_connections_rejected_total",
                     "Client connections closed as soon as accepted: limits.max_connections were open.", "counter");
  appendSample(out, "gateway_connections_rejected_total", {}, cs.refused.load());
  appendFamilyHeader(out, "gateway_http_rejections_total",
                     "Requests refused before routing (malformed, too large, too slow), by status code.", "counter");
  for (const auto& [code, n] : rejections(cs)) {
    appendSample(out, "gateway_http_rejections_total", prometheusLabels({{"code", code}}), n);
  }
  appendGauge(out, "gateway_requests_in_flight", "Requests received and not yet answered.",
              static_cast<double>(s.requestsInFlight));
  appendGauge(out, "gateway_config_version", "Version of the running config (1 at start, +1 per reload).",
              static_cast<double>(s.shared.version()));
  appendGauge(out, "gateway_ready", "1 when the gateway accepts traffic, 0 while starting or draining.", s.ready ? 1 : 0);
  appendFamilyHeader(out, "gateway_upstream_connections", "Upstream connections by state.", "gauge");
  appendSample(out, "gateway_upstream_connections", "state=\"open\"", s.upstream.connectionsOpen.load());
  appendSample(out, "gateway_upstream_connections", "state=\"idle\"", s.upstream.connectionsIdle.load());
  appendPolicyMetrics(s.shared, s.now, out);
}

json adminStats(const AdminStatsSources& s) {
  const auto runtime = s.shared.runtime();
  const ConnectionStats& cs = s.connections;
  const auto counts = s.metrics.requestCounts();
  std::uint64_t total = 0;
  json byCode = json::object();
  for (const auto& c : counts) {
    total += c.count;
    const std::string code = std::to_string(c.code);
    byCode[code] = byCode.value(code, std::uint64_t{0}) + c.count;
  }
  json rejected = json::object();
  for (const auto& [code, n] : rejections(cs)) rejected[code] = n;
  const UpstreamStats& up = s.upstream;
  return {{"config_version", s.shared.version()},
          {"ready", s.ready},
          {"draining", s.draining},
          {"threads", s.threads},
          {"uptime_s", s.uptimeSeconds},
          {"connections",
           {{"active", cs.active.load()},
            {"accepted", cs.accepted.load()},
            {"rejected", cs.refused.load()},
            {"max", s.server.is_object() ? s.server.at("limits").at("max_connections") : json(nullptr)}}},
          {"server", s.server},
          {"requests", {{"total", total}, {"in_flight", s.requestsInFlight}, {"by_code", byCode}, {"rejected", rejected}}},
          {"upstream_connections",
           {{"open", up.connectionsOpen.load()},
            {"idle", up.connectionsIdle.load()},
            {"opened", up.connectionsOpened.load()},
            {"requests_on_reused", up.requestsOnReused.load()},
            {"connect_failures", up.connectFailures.load()},
            {"stale_retries", up.staleRetries.load()}}},
          {"routes", routesJson(runtime->config(), counts)},
          {"services", servicesJson(runtime->config(), s.metrics.upstreamCounts())},
          {"policies", policySnapshot(s.shared, s.now)}};
}

}  // namespace gateway::net
