#include "sim/scenario/gateway_fleet.h"

#include <cmath>

#include <fmt/format.h>

namespace gwsim {

using gateway::childPath;
using gateway::JsonReader;

namespace {
gateway::Duration fleetSeconds(double s) { return static_cast<gateway::Duration>(std::llround(s * 1e6)); }
}  // namespace

std::string_view toString(GatewayFleetSpec::Balancer balancer) {
  switch (balancer) {
    case GatewayFleetSpec::Balancer::kRoundRobin: return "round_robin";
    case GatewayFleetSpec::Balancer::kLeastConnections: return "least_connections";
    case GatewayFleetSpec::Balancer::kWeighted: return "weighted";
  }
  return "unknown";
}

std::string GatewayFleetSpec::Outage::describe() const {
  const std::string what = instance < 0 ? std::string("redis") : fmt::format("gateway instance {}", instance);
  if (duration == gateway::kNever) return fmt::format("{} down from {:.3f} s", what, at / 1e6);
  return fmt::format("{} down from {:.3f} s for {:.3f} s", what, at / 1e6, duration / 1e6);
}

std::optional<GatewayFleetSpec> GatewayFleetSpec::parse(const nlohmann::json& value, const std::string& path,
                                                        gateway::Duration scenarioDuration, gateway::FieldErrors& errors) {
  JsonReader r(value, path, errors);
  if (!r.isObject()) return std::nullopt;
  GatewayFleetSpec f;
  if (auto n = r.integer("instances", 1, 64)) f.instances = static_cast<std::uint32_t>(*n);
  if (auto b = r.choice("balancer", {"round_robin", "least_connections", "weighted"})) {
    f.balancer = *b == "weighted" ? Balancer::kWeighted : *b == "least_connections" ? Balancer::kLeastConnections : Balancer::kRoundRobin;
  }
  if (const auto* w = r.array("weights")) {
    for (std::size_t i = 0; i < w->size(); ++i) {
      const auto& v = (*w)[i];
      if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > 1000) {
        errors.add(childPath(r.pathOf("weights"), i), "expected an integer weight in 1..1000");
      } else {
        f.weights.push_back(v.get<std::uint32_t>());
      }
    }
    if (f.balancer != Balancer::kWeighted) errors.add(r.pathOf("weights"), "only used with \"balancer\": \"weighted\"");
    else if (w->size() != f.instances) errors.add(r.pathOf("weights"), fmt::format("give one weight per instance ({})", f.instances));
  } else if (f.balancer == Balancer::kWeighted) {
    errors.add(r.pathOf("weights"), "required with \"balancer\": \"weighted\"");
  }
  if (auto l = r.number("redis_latency_ms", 0, 60000)) f.redisLatency = fleetSeconds(*l / 1000);
  if (const auto* list = r.array("outages")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      JsonReader o((*list)[i], childPath(r.pathOf("outages"), i), errors);
      if (!o.isObject()) continue;
      Outage out;
      const auto instance = o.integer("instance", 0, 63);
      const auto redis = o.boolean("redis");
      if (instance && redis && *redis) errors.add(o.path(), "an outage is of one gateway instance or of redis, not both");
      else if (instance) out.instance = static_cast<int>(*instance);
      else if (!(redis && *redis)) errors.add(o.path(), "say what is down: \"instance\": N or \"redis\": true");
      if (instance && *instance >= f.instances) {
        errors.add(o.pathOf("instance"), fmt::format("the fleet has instances 0..{}", f.instances - 1));
      }
      if (auto at = o.number("at_s", 0, 1e7, true)) out.at = fleetSeconds(*at);
      if (auto d = o.number("for_s", 0.000001, 1e7)) out.duration = fleetSeconds(*d);
      if (out.at >= scenarioDuration) errors.add(o.pathOf("at_s"), "starts after the scenario ends");
      o.finish();
      f.outages.push_back(out);
    }
  }
  r.finish();
  return f;
}

}  // namespace gwsim
