// The gateway instances of one run behind their load balancer (the scenario's "gateways"):
// instance 0 is the run's own Gateway (its SharedState and Env); the others are built the same
// way, each with its own SharedState (local limits, breakers and caches are per instance) and
// its own random stream, sharing the run's clock, scheduler, simulated services and one
// simulated Redis (MemoryClusterStore) for cluster-scoped limits. The balancer skips instances
// that are down; with none up, a request is answered 503 at once. One thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/pipeline/gateway.h"
#include "libgateway/pipeline/shared_state.h"
#include "libgateway/ratelimit/memory_cluster_store.h"
#include "sim/engine/traffic_world.h"
#include "sim/scenario/gateway_fleet.h"

namespace gwsim {

class Fleet final : public CallSink {
 public:
  struct InstanceReport {
    std::uint64_t requests = 0;  // handed to this instance
    bool up = true;
  };

  // `first`: the run's own Gateway with its SharedState and Env (whose clusterStore is set here).
  Fleet(const GatewayFleetSpec& spec, std::shared_ptr<const gateway::Config> config, gateway::Gateway& first,
        gateway::SharedState& firstShared, gateway::Env& firstEnv, const gateway::Random& root,
        gateway::Duration unixOffset);
  ~Fleet() override;

  void handle(gateway::Request request, std::function<void(gateway::Response)> done) override;

  void setObserver(gateway::ExchangeObserver* observer);
  void reload(const std::shared_ptr<const gateway::Config>& config);
  // Schedules the spec's outages on the run's scheduler.
  void scheduleOutages();

  std::size_t size() const { return instances_.size(); }
  gateway::Gateway& gateway(std::size_t i) { return *instances_[i]->gateway; }
  gateway::SharedState& shared(std::size_t i) { return *instances_[i]->shared; }
  const gateway::MemoryClusterStore& store() const { return store_; }
  std::vector<InstanceReport> report() const;
  // The fleet's state now, for gwdash: the balancer, each instance (up, requests handed to it,
  // in flight, whether it finds the cluster store answering, its on_failure decisions) and the
  // simulated Redis (up, latency, decisions, denied, failed calls, sync counts).
  nlohmann::json snapshot() const;
  // More than one instance, or a cluster store that has been asked something.
  bool active() const;
  std::uint64_t unanswered() const { return noInstance_; }  // answered 503: no instance up

 private:
  struct Instance {
    std::unique_ptr<gateway::SharedState> ownShared;  // null for instance 0 (the run's)
    gateway::SharedState* shared = nullptr;
    gateway::Random random;
    std::unique_ptr<gateway::Env> ownEnv;
    std::unique_ptr<gateway::Gateway> ownGateway;
    gateway::Gateway* gateway = nullptr;
    std::int64_t inFlight = 0;
    std::uint64_t requests = 0;
    std::int64_t current = 0;  // smooth weighted round robin
    bool up = true;
  };
  int pick();

  GatewayFleetSpec spec_;
  gateway::Env& env_;
  gateway::MemoryClusterStore store_;
  std::vector<std::unique_ptr<Instance>> instances_;
  std::size_t cursor_ = 0;
  std::uint64_t noInstance_ = 0;
};

}  // namespace gwsim
