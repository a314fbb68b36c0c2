#include "tools/gwdash/model/fleet_model.h"

#include "tools/gwdash/model/policy_series.h"

namespace gwdash {

namespace {

std::string fleetAddresses(const nlohmann::json& list) {
  std::string out;
  if (!list.is_array()) return out;
  for (const auto& a : list) {
    if (!a.is_string()) continue;
    if (!out.empty()) out += ", ";
    out += a.get<std::string>();
  }
  return out;
}

}  // namespace

void FleetModel::reset(const DashboardContext&) {
  instances_.clear();
  store_ = {};
  balancer_.clear();
  unanswered_ = 0;
  history_.clear();
}

void FleetModel::onSnapshot(gateway::TimePoint now, const nlohmann::json& policies) {
  const nlohmann::json& fleet = jsonMember(policies, "fleet");
  const nlohmann::json& cluster = jsonMember(policies, "cluster_limits");
  instances_.clear();
  store_ = {};
  balancer_ = jsonText(fleet, "balancer");
  unanswered_ = jsonCount(fleet, "unanswered");
  if (const nlohmann::json& list = jsonMember(fleet, "instances"); list.is_array()) {
    for (const auto& in : list) {
      FleetInstanceView v;
      v.up = jsonFlag(in, "up", true);
      v.requests = jsonCount(in, "requests");
      v.inFlight = static_cast<std::int64_t>(jsonNumber(in, "in_flight"));
      v.storeUp = jsonFlag(in, "store_up", true);
      v.storeFailed = jsonCount(in, "store_failed");
      v.onFailure = jsonCount(in, "on_failure");
      instances_.push_back(v);
    }
  }
  store_.mode = jsonText(cluster, "mode");
  store_.onFailure = jsonText(cluster, "on_failure");
  if (const nlohmann::json& st = jsonMember(fleet, "store"); st.is_object()) {
    store_.simulated = true;
    store_.where = "simulated Redis";
    store_.up = jsonFlag(st, "up", true);
    store_.latencyMs = jsonNumber(st, "latency_ms");
    store_.decisions = jsonCount(st, "decisions");
    store_.denied = jsonCount(st, "denied");
    store_.failed = jsonCount(st, "failed");
    store_.present = cluster.is_object() || store_.decisions + store_.failed + jsonCount(st, "window_adds") > 0;
  } else if (cluster.is_object()) {
    // A live gatewayd: its own view of its Redis.
    store_.where = fleetAddresses(jsonMember(cluster, "store"));
    store_.up = jsonFlag(cluster, "up", true);
    store_.decisions = jsonCount(cluster, "sent");
    store_.failed = jsonCount(cluster, "failed");
    store_.present = true;
  }
  // "split" asks no store: there is nothing to draw but the instances.
  if (store_.mode == "split") store_.present = false;
  Sample s{now, {}, store_.decisions};
  for (const auto& in : instances_) s.requests.push_back(in.requests);
  while (!history_.empty() && (history_.back().at >= now || history_.back().requests.size() != s.requests.size())) {
    history_.pop_back();  // a re-run, or the fleet changed shape
  }
  history_.push_back(std::move(s));
  computeRates(now);
}

void FleetModel::computeRates(gateway::TimePoint now) {
  while (history_.size() > 1 && history_[1].at <= now - gateway::kSecond) history_.pop_front();
  const Sample& base = history_.front();
  const Sample& last = history_.back();
  if (last.at <= base.at) return;
  const double span = static_cast<double>(last.at - base.at) / gateway::kSecond;
  // A counter that went back (a restarted gatewayd) counts as no traffic.
  const auto perSecond = [span](std::uint64_t to, std::uint64_t from) {
    return to >= from ? static_cast<double>(to - from) / span : 0.0;
  };
  for (std::size_t i = 0; i < instances_.size(); ++i) instances_[i].rate = perSecond(last.requests[i], base.requests[i]);
  store_.rate = perSecond(last.decisions, base.decisions);
}

}  // namespace gwdash
