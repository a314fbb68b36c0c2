#include "tools/gwdash/model/topology_model.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "libgateway/aggregate/aggregate_config.h"
#include "libgateway/pipeline/stage_list.h"

namespace gwdash {

namespace {

constexpr std::size_t kTopoNoIndex = static_cast<std::size_t>(-1);

bool topologyFailed(const RequestRecord& r) { return r.status == 0 || r.status >= 500; }

// The stages a route has that the topology shows, in request order, from the gateway's own
// stage list (which stage applies to which route).
std::vector<std::string> topoRouteStages(const gateway::RouteConfig& route) {
  std::vector<std::string> out;
  if (route.auth) out.emplace_back("auth");
  const auto stages = gateway::standardStages();
  const std::uint64_t mask = gateway::standardStageMask(route);
  for (std::size_t slot = 0; slot < stages.size() && slot < 64; ++slot) {
    const std::string_view name = stages[slot].name;
    if (name != "rate_limit" && name != "transform" && name != "cache" && name != "aggregate") continue;
    if (!(mask & (std::uint64_t{1} << slot))) continue;
    // A stage owning a route field has work only where the route sets it.
    if (!stages[slot].route.field.empty() && !(slot < route.extensions.size() && route.extensions[slot])) continue;
    out.emplace_back(name);
  }
  return out;
}

const gateway::AggregateSpec* topoAggregateOf(const gateway::RouteConfig& route) {
  const auto stages = gateway::standardStages();
  for (std::size_t slot = 0; slot < stages.size(); ++slot) {
    if (stages[slot].name == "aggregate") return route.extension<gateway::AggregateSpec>(slot);
  }
  return nullptr;
}

void topoCount(TrafficFlow& flow, bool error) {
  ++flow.requests;
  flow.errors += error;
}

void topoFinish(TrafficFlow& flow) {
  flow.rate = static_cast<double>(flow.requests) * gateway::kSecond / TopologyModel::kRateWindow;
}

}  // namespace

void TopologyModel::reset(const DashboardContext& context) {
  simulated_ = context.scenario != nullptr;
  now_ = 0;
  seen_.clear();
  partHistory_.clear();
  gatewaySeconds_.clear();
  serviceSeconds_.clear();
  build(context);
  computeFlows(0);
}

void TopologyModel::onConfig(const DashboardContext& context) {
  build(context);
  computeFlows(now_);
}

void TopologyModel::build(const DashboardContext& context) {
  config_ = context.config;
  routes_.clear();
  services_.clear();
  edges_.clear();
  serviceByName_.clear();
  routeByName_.clear();
  edgeByPair_.clear();
  parts_.clear();
  if (config_) buildFromConfig();
  for (std::size_t e = 0; e < edges_.size(); ++e) edgeByPair_[{edges_[e].route, edges_[e].service}] = e;
  for (Seen& seen : seen_) resolve(seen);
}

void TopologyModel::resolve(Seen& s) const {
  const auto route = routeByName_.find(s.route);
  s.routeIx = route == routeByName_.end() ? Seen::kNone : route->second;
  s.serviceIx = s.service.empty() ? Seen::kNone : serviceIndex(s.service);
  s.instanceIx = s.edgeIx = Seen::kNone;
  if (s.serviceIx == Seen::kNone) return;
  const auto& instances = services_[s.serviceIx].instances;
  for (std::size_t i = 0; i < instances.size() && !s.instance.empty(); ++i) {
    if (instances[i].id == s.instance) s.instanceIx = i;
  }
  const auto edge = edgeByPair_.find({s.routeIx, s.serviceIx});
  if (edge != edgeByPair_.end()) s.edgeIx = edge->second;
}

void TopologyModel::buildFromConfig() {
  for (const auto& svc : config_->services) {
    TopologyService& s = services_.emplace_back();
    s.name = svc.name;
    s.hasBreaker = svc.circuitBreaker.has_value();
    if (s.hasBreaker) s.breakerState = "closed";
    s.hasOutlierDetection = svc.outlierDetection.has_value();
    for (const auto& inst : svc.instances) s.instances.push_back({inst.id, {}, false, 0, 0});
    serviceByName_[svc.name] = services_.size() - 1;
  }
  for (const auto& rc : config_->routes) {
    TopologyRoute& r = routes_.emplace_back();
    const std::size_t index = routes_.size() - 1;
    r.name = rc.name;
    r.stages = topoRouteStages(rc);
    routeByName_[rc.name] = index;
    auto link = [&](const std::string& service) {
      const std::size_t s = serviceIndex(service);
      if (s == kTopoNoIndex) return s;
      if (std::find(r.services.begin(), r.services.end(), s) == r.services.end()) {
        r.services.push_back(s);
        edges_.push_back({index, s, {}});
      }
      return s;
    };
    for (const auto& backend : rc.backends) link(backend.service);
    if (const gateway::AggregateSpec* spec = topoAggregateOf(rc)) {
      r.aggregate = true;
      for (const auto& part : spec->parts) {
        const std::size_t s = link(part.service);
        if (s != kTopoNoIndex) parts_[index].emplace_back(part.name, s);
      }
    }
  }
}

std::size_t TopologyModel::serviceIndex(const std::string& name) const {
  const auto it = serviceByName_.find(name);
  return it == serviceByName_.end() ? kTopoNoIndex : it->second;
}

void TopologyModel::onRequest(const RequestRecord& r) {
  Seen s;
  s.end = r.end;
  s.route = r.route;
  s.service = r.service;
  s.instance = r.instance;
  s.error = topologyFailed(r);
  // A request its circuit answered never reached an instance, but it is the circuit's traffic
  // (Hystrix counts it as short-circuited): with no service on the record, the route's only
  // backend is the one whose breaker refused it.
  if (s.service.empty() && (r.circuitOpen || r.outcome == "circuit_open") && config_) {
    for (const auto& route : config_->routes) {
      if (route.name == r.route && route.backends.size() == 1) s.service = route.backends.front().service;
    }
  }
  s.reached = !r.service.empty() && r.tries > 0 && !r.circuitOpen;
  if (!s.reached) s.instance.clear();
  s.latencyMs = static_cast<double>(r.latency()) / gateway::kMillisecond;
  resolve(s);
  seen_.push_back(std::move(s));
  const std::int64_t second = simSecondOf(r.end);
  if (TopologySecond* g = gatewaySeconds_.at(second)) {
    ++g->requests;
    g->errors += seen_.back().error;
  }
  if (!seen_.back().service.empty()) {
    auto [it, added] = serviceSeconds_.try_emplace(seen_.back().service);
    if (TopologySecond* sec = it->second.at(second)) {
      ++sec->requests;
      sec->errors += seen_.back().error;
    }
  }
}

const SimSecondRing<TopologySecond>* TopologyModel::serviceSeconds(std::size_t service) const {
  if (service >= services_.size()) return nullptr;
  const auto it = serviceSeconds_.find(services_[service].name);
  return it == serviceSeconds_.end() ? nullptr : &it->second;
}

void TopologyModel::onSnapshot(gateway::TimePoint now, const nlohmann::json& policies) {
  now_ = now;
  // Requests stay while their latency counts; a record that ends after `now` (fed ahead of
  // the snapshot) waits for a later one.
  while (!seen_.empty() && seen_.front().end <= now - kLatencyWindow) seen_.pop_front();
  computeFlows(now);
  addPartFlows(now, jsonMember(policies, "aggregate"));
  readPolicies(policies);
}

void TopologyModel::computeFlows(gateway::TimePoint now) {
  gateway_ = unrouted_ = {};
  for (auto& r : routes_) r.flow = {};
  for (auto& e : edges_) e.flow = {};
  std::vector<std::vector<double>> latencies(services_.size());
  std::vector<std::vector<TrafficFlow>> instanceFlows(services_.size());
  for (std::size_t i = 0; i < services_.size(); ++i) instanceFlows[i].resize(services_[i].instances.size());
  for (const Seen& s : seen_) {
    if (s.end > now) continue;
    if (s.serviceIx != Seen::kNone && s.reached) latencies[s.serviceIx].push_back(s.latencyMs);
    if (s.end <= now - kRateWindow) continue;
    topoCount(gateway_, s.error);
    if (s.routeIx == Seen::kNone) {
      if (s.route.empty()) topoCount(unrouted_, s.error);
      continue;
    }
    topoCount(routes_[s.routeIx].flow, s.error);
    if (s.edgeIx != Seen::kNone) topoCount(edges_[s.edgeIx].flow, s.error);
    if (s.instanceIx != Seen::kNone) topoCount(instanceFlows[s.serviceIx][s.instanceIx], s.error);
  }
  topoFinish(gateway_);
  topoFinish(unrouted_);
  for (auto& r : routes_) topoFinish(r.flow);
  for (auto& e : edges_) topoFinish(e.flow);
  for (std::size_t i = 0; i < services_.size(); ++i) {
    TopologyService& svc = services_[i];
    svc.flow = {};
    for (const auto& e : edges_) {
      if (e.service != i) continue;
      svc.flow.requests += e.flow.requests;
      svc.flow.errors += e.flow.errors;
    }
    topoFinish(svc.flow);
    svc.p50Ms = quantileOf(latencies[i], 0.50);
    svc.p99Ms = quantileOf(latencies[i], 0.99);
    for (std::size_t k = 0; k < svc.instances.size(); ++k) {
      svc.instances[k].flow = instanceFlows[i][k];
      topoFinish(svc.instances[k].flow);
    }
  }
}

// An aggregation route's parts call their services without a record of their own: the edge
// gets the parts' calls and failures over the last second, from the snapshot's counters.
void TopologyModel::addPartFlows(gateway::TimePoint now, const nlohmann::json& aggregate) {
  if (parts_.empty()) return;
  if (partHistory_.empty() && simulated_) partHistory_.push_back({0, {}});  // a simulation starts from zero
  PartCounters current;
  current.at = now;
  const nlohmann::json& routes = jsonMember(aggregate, "routes");
  for (const auto& [route, parts] : parts_) {
    const nlohmann::json& partsJson = jsonMember(jsonMember(routes, routes_[route].name), "parts");
    for (const auto& [part, service] : parts) {
      const nlohmann::json& p = jsonMember(partsJson, part);
      const std::uint64_t failed = jsonCount(p, "5xx") + jsonCount(p, "timeout") + jsonCount(p, "bad_response") +
                                   jsonCount(p, "circuit_open");
      current.parts[routes_[route].name + "/" + part] = {jsonCount(p, "calls"), failed, jsonNumber(p, "latency_ms_sum")};
    }
  }
  partHistory_.push_back(current);
  // The baseline: the last snapshot at least a second old, else the oldest one kept.
  while (partHistory_.size() > 1 && partHistory_[1].at <= now - kRateWindow) partHistory_.pop_front();
  const PartCounters& base = partHistory_.front();
  const gateway::Duration span = base.at <= now - kRateWindow ? kRateWindow : now - base.at;
  std::vector<PartCount> perService(services_.size());
  for (const auto& [route, parts] : parts_) {
    for (const auto& [part, service] : parts) {
      const std::string key = routes_[route].name + "/" + part;
      const auto then = base.parts.find(key);
      const PartCount count = current.parts[key];
      const PartCount was = then == base.parts.end() ? PartCount{} : then->second;
      // A counter that went back belongs to a new runtime (a config change): all of it is new.
      const bool restarted = count.calls < was.calls;
      const std::uint64_t dc = restarted ? count.calls : count.calls - was.calls;
      const std::uint64_t df = restarted || count.failures < was.failures ? count.failures : count.failures - was.failures;
      perService[service].calls += dc;
      perService[service].failures += df;
      perService[service].latencyMs += restarted ? count.latencyMs : count.latencyMs - was.latencyMs;
      for (auto& e : edges_) {
        if (e.route != route || e.service != service) continue;
        e.flow.requests += dc;
        e.flow.errors += df;
        e.flow.rate = span > 0 ? static_cast<double>(e.flow.requests) * gateway::kSecond / static_cast<double>(span) : 0;
      }
    }
  }
  for (std::size_t i = 0; i < services_.size(); ++i) {
    TopologyService& svc = services_[i];
    const PartCount& pc = perService[i];
    svc.flow.requests += pc.calls;
    svc.flow.errors += pc.failures;
    svc.flow.rate += span > 0 ? static_cast<double>(pc.calls) * gateway::kSecond / static_cast<double>(span) : 0;
    svc.partMeanMs = pc.calls ? pc.latencyMs / static_cast<double>(pc.calls) : 0;
  }
}

void TopologyModel::readPolicies(const nlohmann::json& policies) {
  const nlohmann::json& breakers = jsonMember(policies, "circuit_breakers");
  const nlohmann::json& outliers = jsonMember(policies, "outlier_detection");
  const nlohmann::json& upstream = jsonMember(policies, "upstream_instances");
  for (auto& svc : services_) {
    const nlohmann::json& b = jsonMember(breakers, svc.name);
    if (b.is_object()) {
      svc.hasBreaker = true;
      svc.breakerState = jsonText(b, "state");
    }
    const nlohmann::json& o = jsonMember(jsonMember(outliers, svc.name), "instances");
    const nlohmann::json& u = jsonMember(upstream, svc.name);
    for (auto& inst : svc.instances) {
      const nlohmann::json& oi = jsonMember(o, inst.id);
      inst.ejected = oi.is_object() && oi.value("ejected", false);
      inst.timesEjected = jsonCount(oi, "times_ejected");
      inst.inFlight = static_cast<std::int64_t>(jsonNumber(jsonMember(u, inst.id), "in_flight"));
    }
  }
}

const TopologyService* TopologyModel::findService(const std::string& name) const {
  const std::size_t i = serviceIndex(name);
  return i == kTopoNoIndex ? nullptr : &services_[i];
}

const TopologyRoute* TopologyModel::findRoute(const std::string& name) const {
  const auto it = routeByName_.find(name);
  return it == routeByName_.end() ? nullptr : &routes_[it->second];
}

std::string TopologyModel::digest() const {
  std::string text = fmt::format("now={} gw={}/{} unrouted={}/{}\n", now_, gateway_.requests, gateway_.errors,
                                 unrouted_.requests, unrouted_.errors);
  for (const auto& r : routes_) {
    text += fmt::format("route {} [{}] {}/{}\n", r.name, fmt::join(r.stages, ","), r.flow.requests, r.flow.errors);
  }
  for (const auto& e : edges_) text += fmt::format("edge {}->{} {}/{} {:.3f}\n", e.route, e.service, e.flow.requests, e.flow.errors, e.flow.rate);
  for (const auto& s : services_) {
    text += fmt::format("svc {} {} {}/{} {:.3f} p50={:.3f} p99={:.3f} parts={:.3f}\n", s.name, s.breakerState, s.flow.requests,
                        s.flow.errors, s.flow.rate, s.p50Ms, s.p99Ms, s.partMeanMs);
    for (const auto& i : s.instances) {
      text += fmt::format(" inst {} {}/{} ej={} x{} if={}\n", i.id, i.flow.requests, i.flow.errors, i.ejected,
                          i.timesEjected, i.inFlight);
    }
  }
  for (const auto& p : gatewaySeconds_.points()) text += fmt::format("s{} {}/{}\n", p.second, p.value.requests, p.value.errors);
  for (const auto& [name, ring] : serviceSeconds_) {
    for (const auto& p : ring.points()) text += fmt::format("{} s{} {}/{}\n", name, p.second, p.value.requests, p.value.errors);
  }
  return policyDigest(text);
}

}  // namespace gwdash
