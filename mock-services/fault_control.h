// Fault control for mock-services, like Toxiproxy's API and Envoy's fault filter: the
// process-wide gwsim::FaultSet (the simulator's fault model), managed over HTTP on every
// instance port, plus per-request fault headers for tests.
//   GET /_faults            list the active faults
//   POST /_faults           add one FaultSpec ({"kind": "latency", "service": "users", ...}) or
//                           {"faults": [...]}; "at_s" counts from now
//   DELETE /_faults         remove all (or ?service=NAME: that service's)
//   x-fault-delay-ms: N     add N ms before the request is served
//   x-fault-abort: STATUS   answer STATUS at once
//   x-fault-reset: 1        reset the connection;  x-fault-hang: 1  never answer
//   x-fault-slow-body-bps: N  write the answer's body at N bytes per second (slow_body)
// A scenario's fault timeline can be loaded at start (load()).
// Not thread-safe: mock-services runs on one loop. The clock outlives it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "libgateway/core/env.h"
#include "libgateway/http/message.h"
#include "sim/model/fault.h"

namespace gateway::mock {

class FaultControl {
 public:
  explicit FaultControl(Clock& clock) : clock_(clock) {}

  // Serves a request to /_faults.
  Response handle(const Request& request);
  // Adds a fault timeline whose "at" times count from `start` (mock-services: process start).
  void load(const std::vector<gwsim::FaultSpec>& faults, TimePoint start);

  // The active faults' effect on one request to `service`/`instance`.
  gwsim::FaultEffect evaluate(const std::string& service, const std::string& instance, Random& random);
  // The share of workers left to the instance by capacity faults (1 when none).
  double capacity(const std::string& service, const std::string& instance) const {
    return faults_.capacityFactor(service, instance, clock_.now());
  }
  // Whether a new connection to the instance must be refused (a down or flapping fault).
  bool down(const std::string& service, const std::string& instance);

  // Adds the request's fault headers to `effect`; a malformed header gives a 400 answer.
  static std::optional<Response> applyHeaders(const Headers& headers, gwsim::FaultEffect& effect);

  std::size_t active() const { return faults_.faults().size(); }

 private:
  Clock& clock_;
  gwsim::FaultSet faults_;
};

}  // namespace gateway::mock
