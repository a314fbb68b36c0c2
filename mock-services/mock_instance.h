// One mock service instance: an HttpHandler that serves the catalog's data through the
// simulator's InstanceModel (workers, FIFO queue, 503 when full, sampled service times,
// error share) driven by real timers, after applying the active faults and the request's
// fault headers. Also answers /_faults, /_stats and /_health on its port. A slow_body answer's
// body streams in paced slices (paced_body.h; the answer carries
// "X-Fault-Slow-Body: bytes_per_s=N; slice_bytes=S", which says so to the client too).
// Runs on the fleet's loop thread; not thread-safe. The fleet outlives it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "libgateway/core/random.h"
#include "libgateway/net/http_handler.h"
#include "libgateway/net/http_server.h"
#include "mock-services/mock_config.h"
#include "sim/model/fault.h"
#include "sim/model/instance_model.h"

namespace gateway::mock {

class MockFleet;

class MockInstance final : public net::HttpHandler {
 public:
  MockInstance(MockFleet& fleet, const MockServiceConfig& service, const MockInstanceConfig& config, Random random);

  void handle(Request request, net::ResponseSink sink) override;
  bool acceptConnection() override;

  const std::string& service() const { return service_; }
  const std::string& id() const { return id_; }
  nlohmann::json stats() const;

 private:
  using SlowBody = std::optional<gwsim::SlowBody>;
  struct Job {
    Request request;
    net::ResponseSink sink;
    SlowBody slowBody;
  };

  void arrive(Request request, net::ResponseSink sink, double capacity, SlowBody slowBody);
  void start(const gwsim::InstanceModel::Work& work);
  void complete(const gwsim::InstanceModel::Work& work);
  void respond(net::ResponseSink& sink, const Request& request, Response response, const SlowBody& slowBody = {});
  std::uint32_t workerLimit(double capacity) const;

  MockFleet& fleet_;
  std::string service_;
  std::string kind_;
  std::string id_;
  gwsim::InstanceModel model_;
  Random random_;
  std::unordered_map<std::uint64_t, Job> jobs_;
  std::uint64_t nextJob_ = 1;

  std::uint64_t requests_ = 0;
  std::map<int, std::uint64_t> responses_;  // by status
  std::uint64_t rejected_ = 0;              // 503: queue full
  std::uint64_t aborted_ = 0;               // abort faults
  std::uint64_t resets_ = 0;                // reset and down faults
  std::uint64_t hangs_ = 0;
  std::uint64_t delayed_ = 0;
  std::uint64_t slowBodies_ = 0;            // answers whose body was paced
  std::uint64_t refusedConnections_ = 0;
};

}  // namespace gateway::mock
