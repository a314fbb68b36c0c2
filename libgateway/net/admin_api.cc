#include "libgateway/net/admin_api.h"

#include "libgateway/cache/cache_registry.h"
#include "libgateway/net/admin_token.h"
#include "libgateway/pipeline/shared_state.h"

#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace gateway::net {

namespace {

Response adminJson(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(2);
  r.body += '\n';
  r.headers.set("Content-Type", "application/json");
  r.headers.set("Cache-Control", "no-store");
  return r;
}

Response methodNotAllowed(std::string_view path, std::string_view allow) {
  Response r = errorResponse(405, "method_not_allowed", fmt::format("{} allows {}", path, allow));
  r.headers.set("Allow", allow);
  return r;
}

// `after=ID` (a decimal id; absent or empty: 0) in a query; other parameters are refused, so a
// typo is not silently ignored.
bool parseAfterParameter(std::string_view query, std::uint64_t& after, std::string& why) {
  after = 0;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (name != "after") {
      why = fmt::format("/requests/recent takes one parameter, after=ID; \"{}\" is not it", name);
      return false;
    }
    if (value.empty()) continue;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), after);
    if (ec != std::errc() || end != value.data() + value.size()) {
      why = fmt::format("after=\"{}\": expected a request id (a whole number, 0 or more)", value);
      return false;
    }
  }
  return true;
}

}  // namespace

void AdminApi::handle(Request request, ResponseSink sink) {
  // Only the path, the method and (with a token) Authorization decide anything: Host,
  // X-Forwarded-* and the rest are never read, and no answer echoes them.
  const std::string_view path = request.path();
  const std::string& method = request.method;
  const bool read = method == "GET" || method == "HEAD";
  // Liveness and readiness stay open: load balancers and orchestrator probes send no token.
  if (path == "/health") {
    if (!read) return sink.respond(methodNotAllowed(path, "GET, HEAD"));
    return sink.respond(adminJson(200, {{"status", "ok"}}));
  }
  if (path == "/ready") {
    if (!read) return sink.respond(methodNotAllowed(path, "GET, HEAD"));
    const bool ready = control_.ready();
    return sink.respond(adminJson(ready ? 200 : 503, {{"status", ready ? "ready" : "not_ready"}}));
  }
  if (!token_.empty() && !bearerTokenMatches(request.headers.get("Authorization"), token_)) {
    // The same answer for a missing, malformed or wrong token, on every path.
    Response r = errorResponse(401, "unauthorized", "the admin API needs an Authorization: Bearer token");
    r.headers.set("WWW-Authenticate", "Bearer realm=\"admin\"");
    r.headers.set("Cache-Control", "no-store");
    return sink.respond(std::move(r));
  }
  if (path == "/metrics") {
    if (!read) return sink.respond(methodNotAllowed(path, "GET, HEAD"));
    Response r;
    control_.renderMetrics(r.body);
    r.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    r.headers.set("Cache-Control", "no-store");
    return sink.respond(std::move(r));
  }
  if (path == "/stats") {
    if (!read) return sink.respond(methodNotAllowed(path, "GET, HEAD"));
    return sink.respond(adminJson(200, control_.stats()));
  }
  if (path == "/config") {
    if (!read) return sink.respond(methodNotAllowed(path, "GET, HEAD"));
    nlohmann::json config = control_.runningConfig();
    if (config.is_null()) return sink.respond(errorResponse(501, "not_implemented", "this server does not show its config"));
    return sink.respond(adminJson(200, config));
  }
  if (path == "/requests/recent") {
    if (!read) return sink.respond(methodNotAllowed(path, "GET, HEAD"));
    std::uint64_t after = 0;
    std::string why;
    if (!parseAfterParameter(request.query(), after, why)) return sink.respond(errorResponse(400, "bad_query", why));
    std::optional<std::string> recent = control_.recentRequests(after);
    if (!recent) return sink.respond(errorResponse(501, "not_implemented", "this server keeps no recent requests"));
    Response r;
    r.body = std::move(*recent);
    r.headers.set("Content-Type", "application/json");
    r.headers.set("Cache-Control", "no-store");
    return sink.respond(std::move(r));
  }
  // State changes: POST only, so a link, an image tag or a prefetch cannot trigger one.
  if (path == "/reload") {
    if (method != "POST") return sink.respond(methodNotAllowed(path, "POST"));
    ReloadResult result = control_.reload();
    if (result.ok) {
      // Settings that only apply at start and changed: accepted, but not in effect.
      nlohmann::json warnings = nlohmann::json::array();
      for (const auto& w : result.warnings.list()) warnings.push_back({{"path", w.path}, {"message", w.message}});
      return sink.respond(adminJson(200, {{"status", "reloaded"}, {"version", result.version}, {"warnings", warnings}}));
    }
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& e : result.errors.list()) errors.push_back({{"path", e.path}, {"message", e.message}});
    return sink.respond(adminJson(400, {{"status", "rejected"},
                                   {"version", result.version},
                                   {"message", "the new config has errors; the running config is unchanged"},
                                   {"errors", errors}}));
  }
  if (path == "/cache/purge") {
    if (method != "POST") return sink.respond(methodNotAllowed(path, "POST"));
    SharedState* shared = control_.sharedState();
    if (!shared) return sink.respond(errorResponse(501, "not_implemented", "this server has no response caches"));
    if (request.stream) return sink.respond(errorResponse(413, "body_too_large", "a purge request is a small JSON object"));
    const PurgeResult result = purgeResponseCache(*shared, request.body);
    return sink.respond(adminJson(result.status, result.body));
  }
  sink.respond(errorResponse(404, "not_found",
                             fmt::format("no admin endpoint {}; try /health, /ready, /metrics, /stats, /config, /requests/recent, POST /reload, POST /cache/purge", path)));
}

}  // namespace gateway::net
