// The admin API, served on its own (loopback) address: GET /health, GET /ready, GET /metrics
// (Prometheus text), GET /stats (JSON snapshot: routes, services, totals, server settings,
// and every policy's live state under "policies"; admin_stats.h), GET /config (the running
// config's JSON, secrets redacted; admin_config.h), GET /requests/recent?after=ID (the
// requests completed since ID, recorded while someone reads them; recent_requests.h), POST
// /reload (re-read the config file; a refused config answers 400 with its errors and paths;
// an accepted one answers 200 with "warnings" for start-only server settings that changed and
// keep their running values), POST /cache/purge (a route's response cache: all of it, one
// path or a prefix; 404 for a route without one, 400 for a bad body; cache_registry.h). State
// changes answer 405 (Allow: POST) to any other method, read-only endpoints 405 (Allow: GET,
// HEAD) to anything but GET and HEAD. With a token, every endpoint but /health and /ready
// answers 401 (WWW-Authenticate: Bearer realm="admin") unless the request carries
// "Authorization: Bearer <token>". Host and X-Forwarded-* headers are never read. Runs on the
// admin loop's thread; the control outlives it.
#pragma once

#include <string>

#include "libgateway/net/gateway_control.h"
#include "libgateway/net/http_handler.h"

namespace gateway::net {

class AdminApi final : public HttpHandler {
 public:
  // `token` empty: no token needed.
  AdminApi(GatewayControl& control, std::string token) : control_(control), token_(std::move(token)) {}
  void handle(Request request, ResponseSink sink) override;

 private:
  GatewayControl& control_;
  const std::string token_;
};

}  // namespace gateway::net
