// What the dashboard knows about one completed request, the same whether it came from the
// simulator (built from the gateway's Exchange) or from a live gatewayd (its recent-requests
// admin endpoint): why it ended as it did, stage by stage. Plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/core/time.h"

namespace gateway {
struct Exchange;
struct Response;
}  // namespace gateway

namespace gwdash {

struct RequestRecord {
  std::uint64_t id = 0;            // order of completion in this run (1, 2, ...)
  std::string correlationId;
  gateway::TimePoint start = 0;    // core clock, microseconds
  gateway::TimePoint end = 0;
  std::string method, target;
  std::string client;              // client address
  std::string route;               // "" when no route matched
  std::string consumer, tier;      // "" when anonymous
  std::string auth;                // "jwt", "api_key" or ""
  std::string limiter;             // "allow:free r=4", "deny:free retry=120000us", ... or ""
  std::string cache;               // the X-Cache value (HIT, MISS, STALE, BYPASS) or ""
  std::string service, instance;   // "" when no try reached a service
  std::uint32_t tries = 0;
  gateway::Duration upstream = 0;  // the latest try's duration
  bool circuitOpen = false;        // answered by an open breaker
  std::string breakerTransition;   // "closed->open: failure rate ..." when this call caused one
  std::string outcome;             // "upstream", "rate_limited", "circuit_open", ...
  int status = 0;

  gateway::Duration latency() const { return end - start; }
  nlohmann::json toJson() const;
  // The inverse of toJson(), for records read from gatewayd; missing fields keep defaults.
  static RequestRecord fromJson(const nlohmann::json& value);
};

// The record of an exchange the gateway core completed (the simulated world).
RequestRecord recordOf(const gateway::Exchange& exchange, const gateway::Response& response, std::uint64_t id);

}  // namespace gwdash
