#include "libgateway/config/server_loader.h"

#include <fmt/format.h>

#include "libgateway/config/config_loader.h"
#include "libgateway/config/field_checks.h"

namespace gateway {

namespace {

// The ranges are gatewayd's command-line ones, so a value moved from a flag into the file
// means the same.
constexpr std::int64_t kMaxBytes = std::int64_t{1} << 40;  // bodies stream: the limits are totals, not buffers

void loadAddress(JsonReader& r, std::string_view key, std::optional<std::string>& out) {
  auto a = r.string(key);
  if (!a) return;
  std::string why;
  if (!validListenAddress(*a, why)) {
    r.errors().add(r.pathOf(key), fmt::format("bad address \"{}\": {}", *a, why));
    return;
  }
  out = *a;
}

void loadLimits(const nlohmann::json& value, const std::string& path, ServerLimitsConfig& l, FieldErrors& errors) {
  JsonReader r(value, path, errors);
  if (!r.isObject()) return;
  l.maxBodyBytes = r.integer("max_body_bytes", 0, kMaxBytes);
  l.maxHeaderBytes = r.integer("max_header_bytes", 256, 1 << 20);
  l.maxUrlBytes = r.integer("max_url_bytes", 16, 1 << 20);
  l.maxPipelined = r.integer("max_pipelined", 1, 1024);
  l.maxConnections = r.integer("max_connections", 0, 1'000'000);
  l.headerTimeout = millisField(r, "header_timeout_ms");
  l.bodyTimeout = millisField(r, "body_timeout_ms");
  l.minBodyRate = r.integer("min_body_bytes_per_s", 0, 1 << 30);
  l.idleTimeout = millisField(r, "idle_timeout_ms");
  l.writeTimeout = millisField(r, "write_timeout_ms");
  r.finish();
}

void loadUpstream(const nlohmann::json& value, const std::string& path, ServerUpstreamConfig& u, FieldErrors& errors) {
  JsonReader r(value, path, errors);
  if (!r.isObject()) return;
  u.maxConnectionsPerInstance = r.integer("max_connections_per_instance", 1, 100'000);
  u.maxIdlePerInstance = r.integer("max_idle_per_instance", 0, 100'000);
  u.idleTimeout = millisField(r, "idle_timeout_ms");
  u.maxResponseBodyBytes = r.integer("max_response_body_bytes", 0, kMaxBytes);
  r.finish();
}

}  // namespace

void loadServer(const nlohmann::json& value, const std::string& path, const std::string& fileDir, ServerConfig& s,
                FieldErrors& errors) {
  JsonReader r(value, path, errors);
  if (!r.isObject()) return;
  loadAddress(r, "listen", s.listen);
  loadAddress(r, "admin", s.admin);
  // Two listeners cannot share a port; port 0 picks a different free port for each.
  if (s.listen && s.admin && *s.listen == *s.admin && !s.listen->ends_with(":0")) {
    errors.add(r.pathOf("admin"), fmt::format("the same address as listen (\"{}\")", *s.admin));
  }
  if (auto t = r.string("admin_token_file")) {
    if (t->empty()) {
      errors.add(r.pathOf("admin_token_file"), "must not be empty (a file holding the admin API's bearer token; "
                                               "leave it out for no token)");
    } else {
      s.adminTokenFile = configFilePath(fileDir, *t);
    }
  }
  // A secret does not belong in the config file (it is shown, copied and versioned).
  if (r.has("admin_token")) {
    errors.add(r.pathOf("admin_token"), "put the token in a file and name it with \"admin_token_file\" "
                                        "(or --admin-token-file)");
    r.any("admin_token");  // reported here, not again as an unknown field
  }
  s.threads = r.integer("threads", 1, 256);
  if (auto a = r.string("access_log")) {
    if (a->empty()) {
      errors.add(r.pathOf("access_log"), "must not be empty (a file, or \"-\" for stdout; leave it out for no log)");
    } else {
      s.accessLog = *a == "-" ? *a : configFilePath(fileDir, *a);
    }
  }
  s.drainTimeout = millisField(r, "drain_timeout_ms", 0);
  if (const auto* v = r.object("limits")) loadLimits(*v, r.pathOf("limits"), s.limits, errors);
  if (const auto* v = r.object("upstream")) loadUpstream(*v, r.pathOf("upstream"), s.upstream, errors);
  r.finish();
}

}  // namespace gateway
