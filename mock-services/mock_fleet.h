// All the mock services of one mock-services process: an instance (handler + HTTP server on
// its own port) per configured instance, sharing one loop, one catalog and one fault set.
// Not thread-safe: everything runs on the loop's thread (start() before run()). The loop
// outlives the fleet.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/net/event_loop.h"
#include "libgateway/net/http_server.h"
#include "sim/model/catalog.h"
#include "mock-services/fault_control.h"
#include "mock-services/mock_config.h"
#include "mock-services/mock_instance.h"

namespace gateway::mock {

class MockFleet {
 public:
  // Binds every instance's port. Null with `error` naming the instance when one fails.
  static std::unique_ptr<MockFleet> start(const MockConfig& config, net::EventLoop& loop, std::string& error);

  // {"services": {"users": [{"instance": "users-1", "port": 40123, "address": "127.0.0.1:40123"}]}}
  nlohmann::json ports() const;
  // {"instances": [per-instance counters], "faults": N}
  nlohmann::json stats() const;
  // Stops accepting and closes every connection (for shutdown).
  void stop();

  net::EventLoop& loop() { return loop_; }
  const gwsim::Catalog& catalog() const { return catalog_; }
  FaultControl& faults() { return faults_; }

 private:
  MockFleet(net::EventLoop& loop, std::uint64_t seed) : loop_(loop), catalog_(seed), faults_(loop.clock()) {}

  net::EventLoop& loop_;
  gwsim::Catalog catalog_;
  FaultControl faults_;
  std::vector<std::unique_ptr<MockInstance>> instances_;
  std::vector<std::unique_ptr<net::HttpServer>> servers_;  // same order as instances_
};

}  // namespace gateway::mock
