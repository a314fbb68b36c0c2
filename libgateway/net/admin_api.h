// The admin API, served on its own (loopback) address: GET /health, GET /ready, GET /metrics
// (Prometheus text), GET /stats (JSON snapshot: routes, services, totals, server settings,
// and every policy's live state under "policies"; admin_stats.h), POST /reload (re-read the config
// file; a refused config answers 400 with its errors and paths; an accepted one answers 200
// with "warnings" for start-only server settings that changed and keep their running values),
// POST /cache/purge (501 until the response cache exists). Runs on the admin loop's thread;
// the control outlives it.
#pragma once

#include "libgateway/net/gateway_control.h"
#include "libgateway/net/http_handler.h"

namespace gateway::net {

class AdminApi final : public HttpHandler {
 public:
  explicit AdminApi(GatewayControl& control) : control_(control) {}
  void handle(Request request, ResponseSink sink) override;

 private:
  GatewayControl& control_;
};

}  // namespace gateway::net
