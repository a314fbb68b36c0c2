// The topology panel: clients -> the gateway (a row per route, its stages as boxes) ->
// services (a Hystrix-style circle: area ~ request rate, colour ~ error share, breaker state
// and p50/p99 beside it) -> instances (ejected ones greyed and struck through), each edge
// labelled with its requests per second and error share over the last simulated second.
// With several gateway instances or a cluster-scoped limit, a strip under the gateway shows
// each instance (up or down, its rate) and the shared rate-limit store (Redis) they ask.
#pragma once

#include "tools/gwdash/model/fleet_model.h"
#include "tools/gwdash/model/topology_model.h"
#include "tools/gwdash/panels/panel.h"

namespace gwdash {

class TopologyPanel : public Panel {
 public:
  std::string_view name() const override { return "topology"; }
  std::string_view title() const override { return "Topology"; }
  void draw(gateway::TimePoint now) override;

  void reset(const DashboardContext& context) override {
    model_.reset(context);
    fleet_.reset(context);
  }
  void onRequest(const RequestRecord& record) override { model_.onRequest(record); }
  void onSnapshot(gateway::TimePoint now, const nlohmann::json& policies) override {
    model_.onSnapshot(now, policies);
    fleet_.onSnapshot(now, policies);
  }
  void onConfig(const DashboardContext& context) override { model_.onConfig(context); }

  const TopologyModel& model() const { return model_; }
  const FleetModel& fleet() const { return fleet_; }

 private:
  TopologyModel model_;
  FleetModel fleet_;
};

}  // namespace gwdash
