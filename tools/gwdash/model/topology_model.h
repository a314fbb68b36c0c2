// What the topology panel draws: clients -> the gateway's routes (with the stages each has)
// -> services -> instances, from the config; the traffic on each edge over the last simulated
// second, from the completed requests' own times (and, for aggregation routes, from the
// snapshot's part counters); each service's breaker state and latency percentiles, and each
// instance's ejection and in-flight count, from the policy snapshot. Recomputed at every
// snapshot, so what it holds depends on simulated time only.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "tools/gwdash/model/dashboard_listener.h"
#include "tools/gwdash/model/policy_series.h"

namespace gwdash {

// Traffic over a window: requests, those that failed (5xx, or no answer), and the rate.
struct TrafficFlow {
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  double rate = 0;  // per simulated second
  double errorShare() const { return requests == 0 ? 0.0 : static_cast<double>(errors) / static_cast<double>(requests); }
};

struct TopologyInstance {
  std::string id;
  TrafficFlow flow;
  bool ejected = false;          // outlier detection keeps it out now
  std::uint64_t timesEjected = 0;
  std::int64_t inFlight = 0;
};

struct TopologyService {
  std::string name;
  bool hasBreaker = false;
  std::string breakerState;      // "closed", "open", "half_open"; "" without a breaker
  bool hasOutlierDetection = false;
  TrafficFlow flow;              // every edge into it (requests and aggregation parts)
  double p50Ms = 0, p99Ms = 0;   // latency of its requests over the last 10 simulated seconds
  double partMeanMs = 0;         // aggregation parts' mean call time over the last second (no records)
  std::vector<TopologyInstance> instances;
};

struct TopologyRoute {
  std::string name;
  std::vector<std::string> stages;   // of "auth", "rate_limit", "transform", "cache", "aggregate"
  std::vector<std::size_t> services; // indices into services(): its backends, or its parts' services
  bool aggregate = false;
  TrafficFlow flow;
};

struct TopologyEdge {
  std::size_t route = 0, service = 0;
  TrafficFlow flow;
};

// Requests and errors per simulated second (the sparkline beside the gateway and services).
struct TopologySecond {
  std::uint64_t requests = 0, errors = 0;
};

class TopologyModel : public DashboardListener {
 public:
  static constexpr gateway::Duration kRateWindow = gateway::seconds(1);
  static constexpr gateway::Duration kLatencyWindow = gateway::seconds(10);

  void reset(const DashboardContext& context) override;
  void onRequest(const RequestRecord& record) override;
  void onSnapshot(gateway::TimePoint now, const nlohmann::json& policies) override;
  void onConfig(const DashboardContext& context) override;

  gateway::TimePoint now() const { return now_; }
  const TrafficFlow& gateway() const { return gateway_; }  // clients -> gateway
  const TrafficFlow& unrouted() const { return unrouted_; } // requests no route matched
  const std::vector<TopologyRoute>& routes() const { return routes_; }
  const std::vector<TopologyService>& services() const { return services_; }
  const std::vector<TopologyEdge>& edges() const { return edges_; }
  const SimSecondRing<TopologySecond>& gatewaySeconds() const { return gatewaySeconds_; }
  // Per service (index as in services()): requests that reached it, per second.
  const SimSecondRing<TopologySecond>* serviceSeconds(std::size_t service) const;
  const TopologyService* findService(const std::string& name) const;
  const TopologyRoute* findRoute(const std::string& name) const;
  std::string digest() const;

 private:
  struct Seen {
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
    gateway::TimePoint end = 0;
    std::string route, service, instance;
    // Resolved against the current config (again after a config change).
    std::size_t routeIx = kNone, serviceIx = kNone, instanceIx = kNone, edgeIx = kNone;
    bool error = false;
    bool reached = false;  // a try reached the service (its latency counts)
    double latencyMs = 0;
  };
  // Aggregation parts' cumulative counters at one snapshot, by "route/part".
  struct PartCount {
    std::uint64_t calls = 0, failures = 0;
    double latencyMs = 0;
  };
  struct PartCounters {
    gateway::TimePoint at = 0;
    std::map<std::string, PartCount> parts;
  };

  void build(const DashboardContext& context);
  void buildFromConfig();
  void computeFlows(gateway::TimePoint now);
  void addPartFlows(gateway::TimePoint now, const nlohmann::json& aggregate);
  void readPolicies(const nlohmann::json& policies);
  std::size_t serviceIndex(const std::string& name) const;
  void resolve(Seen& seen) const;

  std::shared_ptr<const gateway::Config> config_;
  bool simulated_ = false;
  gateway::TimePoint now_ = 0;
  TrafficFlow gateway_, unrouted_;
  std::vector<TopologyRoute> routes_;
  std::vector<TopologyService> services_;
  std::vector<TopologyEdge> edges_;
  std::map<std::string, std::size_t> serviceByName_, routeByName_;
  std::map<std::pair<std::size_t, std::size_t>, std::size_t> edgeByPair_;  // (route, service) -> edge
  // Aggregation parts: route index -> (part name, service index).
  std::map<std::size_t, std::vector<std::pair<std::string, std::size_t>>> parts_;
  std::deque<Seen> seen_;  // the last kLatencyWindow of completed requests, in arrival order
  std::deque<PartCounters> partHistory_;
  SimSecondRing<TopologySecond> gatewaySeconds_;
  std::map<std::string, SimSecondRing<TopologySecond>> serviceSeconds_;
};

}  // namespace gwdash
