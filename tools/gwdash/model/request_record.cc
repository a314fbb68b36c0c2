#include "tools/gwdash/model/request_record.h"

#include <fmt/format.h>

#include "libgateway/pipeline/exchange.h"

namespace gwdash {

RequestRecord recordOf(const gateway::Exchange& ex, const gateway::Response& response, std::uint64_t id) {
  RequestRecord r;
  r.id = id;
  r.correlationId = std::string(ex.correlationId.view());
  r.start = ex.start;
  r.end = ex.end;
  r.method = ex.request.method;
  r.target = ex.request.target;
  r.client = ex.request.clientAddress;
  if (const gateway::RouteConfig* route = ex.route()) r.route = route->name;
  r.consumer = ex.consumer;
  r.tier = ex.tier;
  r.auth = std::string(ex.authMethod);
  if (ex.rateLimit().applied()) r.limiter = ex.rateLimit().decision();
  if (auto cache = response.headers.find("X-Cache")) r.cache = std::string(*cache);
  const gateway::UpstreamRecord& call = ex.callRecord();
  if (const gateway::ServiceConfig* svc = ex.service()) {
    r.service = svc->name;
    r.instance = svc->instances[call.instanceIndex].id;
    r.upstream = call.tryEnd - call.tryStart;
  }
  r.tries = call.tries;
  r.circuitOpen = call.circuitOpen;
  if (call.breakerTransition) {
    const auto& t = *call.breakerTransition;
    r.breakerTransition = fmt::format("{}->{}: {}", gateway::toString(t.from), gateway::toString(t.to), t.reason);
  }
  r.outcome = std::string(ex.outcome);
  r.status = response.status;
  return r;
}

nlohmann::json RequestRecord::toJson() const {
  return {{"id", id},         {"correlation_id", correlationId},
          {"start_us", start}, {"end_us", end},
          {"method", method}, {"target", target},
          {"client", client}, {"route", route},
          {"consumer", consumer}, {"tier", tier},
          {"auth", auth},     {"limiter", limiter},
          {"cache", cache},   {"service", service},
          {"instance", instance}, {"tries", tries},
          {"upstream_us", upstream}, {"circuit_open", circuitOpen},
          {"breaker_transition", breakerTransition}, {"outcome", outcome},
          {"status", status}};
}

RequestRecord RequestRecord::fromJson(const nlohmann::json& v) {
  RequestRecord r;
  if (!v.is_object()) return r;
  auto str = [&](const char* key, std::string& out) {
    auto it = v.find(key);
    if (it != v.end() && it->is_string()) out = it->get<std::string>();
  };
  auto num = [&](const char* key, auto& out) {
    auto it = v.find(key);
    if (it != v.end() && it->is_number()) out = it->get<std::remove_reference_t<decltype(out)>>();
  };
  num("id", r.id);
  str("correlation_id", r.correlationId);
  num("start_us", r.start);
  num("end_us", r.end);
  str("method", r.method);
  str("target", r.target);
  str("client", r.client);
  str("route", r.route);
  str("consumer", r.consumer);
  str("tier", r.tier);
  str("auth", r.auth);
  str("limiter", r.limiter);
  str("cache", r.cache);
  str("service", r.service);
  str("instance", r.instance);
  num("tries", r.tries);
  num("upstream_us", r.upstream);
  if (auto it = v.find("circuit_open"); it != v.end() && it->is_boolean()) r.circuitOpen = it->get<bool>();
  str("breaker_transition", r.breakerTransition);
  str("outcome", r.outcome);
  num("status", r.status);
  return r;
}

}  // namespace gwdash
