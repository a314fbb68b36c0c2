// What the panels' models are fed, by either source: the in-process simulation
// (SimSession) or a live gatewayd (AttachSource). A model implements the calls it needs and
// draws nothing, so it is tested without a window. Called on the dashboard's one thread.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "libgateway/config/config.h"
#include "libgateway/core/time.h"
#include "tools/gwdash/model/request_record.h"

namespace gwsim {
struct Scenario;
struct Arrival;
}  // namespace gwsim

namespace gwdash {

// What a run is about: its config, and when simulated, its scenario.
struct DashboardContext {
  std::shared_ptr<const gateway::Config> config;
  const gwsim::Scenario* scenario = nullptr;  // null when attached to a live gatewayd
  std::string title;                          // the scenario's name, or the gatewayd URL
  std::string lesson;                         // the scenario's description
};

class DashboardListener {
 public:
  virtual ~DashboardListener() = default;
  // A new run starts (first start, restart, or a jump that re-runs from t = 0): forget it all.
  virtual void reset(const DashboardContext& context) = 0;
  // A request completed.
  virtual void onRequest(const RequestRecord&) {}
  // Simulation only: a client handed a request to the gateway (time order, before handling).
  virtual void onArrival(const gwsim::Arrival&) {}
  // Every policy's state at `now` (gateway::policySnapshot's shape; gatewayd's /stats
  // "policies"). The simulation sends one every tick (100 ms of simulated time), so what a
  // model holds depends only on simulated time, never on frame timing; when its scenario runs
  // several gateway instances or a cluster store, with a "fleet" member (gwsim::Fleet::snapshot).
  virtual void onSnapshot(gateway::TimePoint /*now*/, const nlohmann::json& /*policies*/) {}
  // The config changed (a live switch, or a reload seen on gatewayd).
  virtual void onConfig(const DashboardContext& /*context*/) {}
};

}  // namespace gwdash
