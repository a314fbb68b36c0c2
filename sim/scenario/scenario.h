// A scenario: the unit of replay (libgateway/ARCHITECTURE.md, "Scenarios"). Seed, duration, the gateway config,
// simulated services, client groups with their arrival processes and request mixes, a fault
// timeline and expectations. Loaded from JSON with every error reported by its JSON path.
// Immutable after loading; the same Scenario can be run many times (each run owns its state).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/config/config.h"
#include "libgateway/config/json_reader.h"
#include "sim/model/fault.h"
#include "sim/scenario/gateway_fleet.h"
#include "sim/model/instance_model.h"
#include "sim/model/service_content.h"
#include "sim/scenario/stampede.h"
#include "sim/workload/rate_profile.h"
#include "sim/workload/request_mix.h"

namespace gwsim {

struct ServiceModelSpec {
  std::string name;
  InstanceSpec model;                          // every instance, unless overridden
  std::map<std::string, InstanceSpec> instances;  // by instance id
  std::optional<ServiceContent> content;          // "kind", "body_bytes": none answers without a body
  const InstanceSpec& forInstance(const std::string& id) const {
    auto it = instances.find(id);
    return it == instances.end() ? model : it->second;
  }
};

struct RetryPolicy {
  std::uint32_t maxRetries = 0;
  std::vector<int> retryOn;       // statuses that are retried (e.g. 429, 502, 503, 504)
  gateway::Duration backoff = 0;  // base; doubles per attempt, with full jitter
  bool honourRetryAfter = true;   // wait at least Retry-After on a 429/503
};

// One request of a recorded trace (replay groups).
struct RecordedRequest {
  gateway::TimePoint at = 0;
  std::string method;
  std::string target;
  std::string apiKey;   // empty: anonymous
  std::string client;   // client label; empty: one per line's group
};

struct ClientGroup {
  std::string name;
  std::uint32_t count = 1;                 // clients in the group
  std::vector<std::string> apiKeys;        // given to the clients round-robin; empty = anonymous
  std::string apiKeyHeader = "X-API-Key";
  enum class Process { kPoisson, kConstant } process = Process::kPoisson;
  RateProfile arrival;                      // open loop: requests per second for the whole group
  bool closedLoop = false;                  // each client waits for its answer, thinks, repeats
  std::optional<LatencyDistribution> think; // closed loop think time
  RetryPolicy retry;
  RequestMix mix;
  // Replay of a recorded trace instead of arrivals and a mix ("replay": {"file": ...}).
  std::shared_ptr<const std::vector<RecordedRequest>> replay;
  gateway::TimePoint start = 0;
  gateway::TimePoint stop = gateway::kNever;
};

struct Expectation {
  std::string text;                         // as written, for reports
  std::string metric;                       // "p99_ms", "status_429", ...
  std::map<std::string, std::string> labels; // route=..., group=...
  std::string op;                           // < <= > >= == !=
  double value = 0;
};

// A change to the gateway config at a point of the run (a policy switched live in gwdash, or
// written in the file): "changes": [{"at_s": 30, "set": {"/rate_limits/tiers/free/algorithm":
// "gcra"}, "note": "..."}]. Each JSON pointer is set (a null value removes it) on the config
// running then, which is reloaded; the loader checks that every change gives a valid config.
struct ConfigChange {
  gateway::TimePoint at = 0;
  std::vector<std::pair<std::string, nlohmann::json>> set;  // JSON pointer -> value
  std::string note;
  std::string describe() const;  // "/rate_limits/tiers/free/algorithm = \"gcra\""
};

struct Scenario {
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  gateway::Duration duration = gateway::seconds(60);
  gateway::Duration networkLatency = 0;     // one way, gateway <-> service
  gateway::Duration clientLatency = 0;      // one way, client <-> gateway (virtual time only)
  // The Unix time of simulated t = 0, for JWT exp/nbf checks (default 2026-01-01T00:00:00Z).
  std::int64_t startUnixSeconds = 1767225600;
  nlohmann::json gatewayJson;               // the config as loaded (for --vary)
  std::string configDir;                    // resolves relative paths in it (config changes reload it)
  std::shared_ptr<const gateway::Config> gateway;
  std::vector<ServiceModelSpec> services;
  std::vector<ClientGroup> clients;
  std::vector<FaultSpec> faults;
  std::vector<ConfigChange> changes;        // in time order
  std::vector<Expectation> expectations;
  std::optional<StampedeSpec> stampede;     // "stampede": upstream fetches per burst
  GatewayFleetSpec fleet;                   // "gateways": instances, balancer, shared Redis
};

struct ScenarioLoad {
  std::optional<Scenario> scenario;
  gateway::FieldErrors errors;
  bool ok() const { return scenario.has_value(); }
};

// `baseDir` resolves a gateway config given as a relative path. A document whose "gateway"
// is a path is returned with the config inlined in Scenario::gatewayJson.
ScenarioLoad loadScenarioJson(const nlohmann::json& document, const std::string& baseDir);
ScenarioLoad loadScenarioFile(const std::string& path);
// The document with "gateway" replaced by the config it points to (for --vary).
std::optional<nlohmann::json> readScenarioDocument(const std::string& path, gateway::FieldErrors& errors);

// "p99_ms{route=users} < 250" -> Expectation; an error message on failure.
std::optional<Expectation> parseExpectation(const std::string& text, std::string& error);
// Records at `path` what is wrong with `e` in scenario `s` (loaded up to its expectations):
// a route, client group, consumer or service that does not exist, or labels its metric does
// not read (two of route/group/consumer; offered/admitted without a consumer, or the reverse).
void checkExpectation(const Expectation& e, const Scenario& s, const std::string& path, gateway::FieldErrors& errors);

}  // namespace gwsim
