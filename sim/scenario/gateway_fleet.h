// A scenario's gateway fleet: N gateway instances behind a load balancer, each its own Gateway
// with its own local state, sharing one simulated Redis for cluster-scoped limits; instances and
// the Redis can go down and come back on the timeline. Written as
//   "gateways": {"instances": 3, "balancer": "round_robin" | "least_connections" | "weighted",
//                "weights": [2, 1, 1], "redis_latency_ms": 0.3,
//                "outages": [{"instance": 1, "at_s": 20, "for_s": 10}, {"redis": true, "at_s": 40, "for_s": 5}]}
// Without it: one instance, and a Redis that answers at once. Plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/config/json_reader.h"
#include "libgateway/core/time.h"

namespace gwsim {

struct GatewayFleetSpec {
  enum class Balancer { kRoundRobin, kLeastConnections, kWeighted };
  struct Outage {
    int instance = -1;  // -1: the shared Redis
    gateway::TimePoint at = 0;
    gateway::Duration duration = gateway::kNever;
    std::string describe() const;
  };

  std::uint32_t instances = 1;
  Balancer balancer = Balancer::kRoundRobin;
  std::vector<std::uint32_t> weights;    // kWeighted: one per instance
  gateway::Duration redisLatency = 0;    // round trip gateway <-> Redis
  std::vector<Outage> outages;

  static std::optional<GatewayFleetSpec> parse(const nlohmann::json& value, const std::string& path,
                                               gateway::Duration scenarioDuration, gateway::FieldErrors& errors);
};

std::string_view toString(GatewayFleetSpec::Balancer balancer);

}  // namespace gwsim
