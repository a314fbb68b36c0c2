#include "libgateway/net/gateway_options.h"

#include <fmt/format.h>

namespace gateway::net {

namespace {

template <typename T, typename U>
void overlay(const std::optional<U>& value, T& out) {
  if (value) out = static_cast<T>(*value);
}

std::string quoted(const std::string& s) { return fmt::format("\"{}\"", s); }
std::string plain(std::uint64_t n) { return std::to_string(n); }
std::string ms(Duration d) { return fmt::format("{} ms", d / kMillisecond); }

void compare(FieldErrors& out, const char* path, const std::string& running, const std::string& next) {
  if (running == next) return;
  out.add(path, fmt::format("changed from {} to {}, which needs a restart; {} stays in effect", running, next, running));
}

}  // namespace

void applyServerSettings(const ServerConfig& s, GatewayOptions& o) {
  overlay(s.listen, o.listen);
  overlay(s.admin, o.admin);
  overlay(s.adminTokenFile, o.adminTokenFile);
  overlay(s.threads, o.threads);
  overlay(s.accessLog, o.accessLogPath);
  overlay(s.drainTimeout, o.drainTimeout);
  overlay(s.limits.maxBodyBytes, o.limits.maxBodyBytes);
  overlay(s.limits.maxHeaderBytes, o.limits.maxHeaderBytes);
  overlay(s.limits.maxUrlBytes, o.limits.maxUrlBytes);
  overlay(s.limits.maxPipelined, o.limits.maxPipelined);
  overlay(s.limits.maxConnections, o.maxConnections);
  overlay(s.limits.headerTimeout, o.limits.headerTimeout);
  overlay(s.limits.bodyTimeout, o.limits.bodyTimeout);
  overlay(s.limits.minBodyRate, o.limits.minBodyRate);
  overlay(s.limits.idleTimeout, o.limits.idleTimeout);
  overlay(s.limits.writeTimeout, o.limits.writeTimeout);
  overlay(s.upstream.maxConnectionsPerInstance, o.upstream.maxConnectionsPerInstance);
  overlay(s.upstream.maxIdlePerInstance, o.upstream.maxIdlePerInstance);
  overlay(s.upstream.idleTimeout, o.upstream.idleTimeout);
  overlay(s.upstream.maxResponseBodyBytes, o.upstream.maxResponseBodyBytes);
}

GatewayOptions resolveOptions(const GatewayOptions& defaults, const ServerConfig& file) {
  GatewayOptions o = defaults;
  applyServerSettings(file, o);
  applyServerSettings(defaults.commandLine, o);
  return o;
}

FieldErrors restartOnlyChanges(const GatewayOptions& a, const GatewayOptions& b) {
  FieldErrors out;
  compare(out, "/server/listen", quoted(a.listen), quoted(b.listen));
  compare(out, "/server/admin", quoted(a.admin), quoted(b.admin));
  compare(out, "/server/admin_token_file", a.adminTokenFile.empty() ? "none" : quoted(a.adminTokenFile),
          b.adminTokenFile.empty() ? "none" : quoted(b.adminTokenFile));
  compare(out, "/server/threads", plain(a.threads), plain(b.threads));
  compare(out, "/server/access_log", a.accessLogPath.empty() ? "none" : quoted(a.accessLogPath),
          b.accessLogPath.empty() ? "none" : quoted(b.accessLogPath));
  const HttpLimits& la = a.limits;
  const HttpLimits& lb = b.limits;
  compare(out, "/server/limits/max_body_bytes", plain(la.maxBodyBytes), plain(lb.maxBodyBytes));
  compare(out, "/server/limits/max_header_bytes", plain(la.maxHeaderBytes), plain(lb.maxHeaderBytes));
  compare(out, "/server/limits/max_url_bytes", plain(la.maxUrlBytes), plain(lb.maxUrlBytes));
  compare(out, "/server/limits/max_pipelined", plain(la.maxPipelined), plain(lb.maxPipelined));
  compare(out, "/server/limits/header_timeout_ms", ms(la.headerTimeout), ms(lb.headerTimeout));
  compare(out, "/server/limits/body_timeout_ms", ms(la.bodyTimeout), ms(lb.bodyTimeout));
  compare(out, "/server/limits/min_body_bytes_per_s", plain(la.minBodyRate), plain(lb.minBodyRate));
  compare(out, "/server/limits/idle_timeout_ms", ms(la.idleTimeout), ms(lb.idleTimeout));
  compare(out, "/server/limits/write_timeout_ms", ms(la.writeTimeout), ms(lb.writeTimeout));
  const UpstreamOptions& ua = a.upstream;
  const UpstreamOptions& ub = b.upstream;
  compare(out, "/server/upstream/max_connections_per_instance", plain(ua.maxConnectionsPerInstance),
          plain(ub.maxConnectionsPerInstance));
  compare(out, "/server/upstream/max_idle_per_instance", plain(ua.maxIdlePerInstance), plain(ub.maxIdlePerInstance));
  compare(out, "/server/upstream/idle_timeout_ms", ms(ua.idleTimeout), ms(ub.idleTimeout));
  compare(out, "/server/upstream/max_response_body_bytes", plain(ua.maxResponseBodyBytes),
          plain(ub.maxResponseBodyBytes));
  return out;
}

nlohmann::json describeOptions(const GatewayOptions& o) {
  const HttpLimits& l = o.limits;
  const UpstreamOptions& u = o.upstream;
  return {{"listen", o.listen},
          {"admin", o.admin},
          {"admin_token_file", o.adminTokenFile},  // where the token is, never the token
          {"threads", o.threads},
          {"access_log", o.accessLogPath},
          {"drain_timeout_ms", o.drainTimeout / kMillisecond},
          {"limits",
           {{"max_body_bytes", l.maxBodyBytes},
            {"max_header_bytes", l.maxHeaderBytes},
            {"max_url_bytes", l.maxUrlBytes},
            {"max_pipelined", l.maxPipelined},
            {"max_connections", o.maxConnections},
            {"header_timeout_ms", l.headerTimeout / kMillisecond},
            {"body_timeout_ms", l.bodyTimeout / kMillisecond},
            {"min_body_bytes_per_s", l.minBodyRate},
            {"idle_timeout_ms", l.idleTimeout / kMillisecond},
            {"write_timeout_ms", l.writeTimeout / kMillisecond}}},
          {"upstream",
           {{"max_connections_per_instance", u.maxConnectionsPerInstance},
            {"max_idle_per_instance", u.maxIdlePerInstance},
            {"idle_timeout_ms", u.idleTimeout / kMillisecond},
            {"max_response_body_bytes", u.maxResponseBodyBytes}}}};
}

}  // namespace gateway::net
