// What the topology panel draws of several gateways and their shared rate-limit store: each
// gateway instance (up or down, its request rate over the last simulated second, in flight,
// whether it finds the store answering, its on_failure decisions) and the store (simulated
// Redis: up or down, round trip, decisions per second, denied, failed calls; a live gatewayd:
// its Redis addresses, mode, and calls per second from its cluster_limits section). Fed by
// snapshots only (the simulation's "fleet" member, or "cluster_limits"), so what it holds
// depends on simulated time only. Dashboard thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "tools/gwdash/model/dashboard_listener.h"

namespace gwdash {

struct FleetInstanceView {
  bool up = true;
  std::uint64_t requests = 0;  // handed to it since the start
  double rate = 0;             // per simulated second, over the last one
  std::int64_t inFlight = 0;
  bool storeUp = true;         // its own view of the cluster store
  std::uint64_t storeFailed = 0, onFailure = 0;
};

struct ClusterStoreView {
  bool present = false;     // some limit is cluster-scoped (or a fleet shares a store)
  bool simulated = false;   // gwsim's Redis, not a real one
  bool up = true;
  std::string where;        // "simulated Redis" or the addresses
  std::string mode, onFailure;
  double latencyMs = 0;     // simulated round trip
  std::uint64_t decisions = 0, denied = 0, failed = 0;
  double rate = 0;          // decisions (live: calls sent) per simulated second
};

class FleetModel : public DashboardListener {
 public:
  void reset(const DashboardContext& context) override;
  void onSnapshot(gateway::TimePoint now, const nlohmann::json& policies) override;

  // Worth drawing: several instances, or a cluster store.
  bool visible() const { return instances_.size() > 1 || store_.present; }
  const std::vector<FleetInstanceView>& instances() const { return instances_; }
  const ClusterStoreView& store() const { return store_; }
  const std::string& balancer() const { return balancer_; }
  std::uint64_t unanswered() const { return unanswered_; }  // 503: no instance up

 private:
  // Counters at one snapshot, for rates over the last second.
  struct Sample {
    gateway::TimePoint at = 0;
    std::vector<std::uint64_t> requests;
    std::uint64_t decisions = 0;
  };
  void computeRates(gateway::TimePoint now);

  std::vector<FleetInstanceView> instances_;
  ClusterStoreView store_;
  std::string balancer_;
  std::uint64_t unanswered_ = 0;
  std::deque<Sample> history_;
};

}  // namespace gwdash
