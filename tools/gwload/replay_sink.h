// The real world's CallSink for a scenario replay: each client try goes to the gateway under
// test over pooled keep-alive HTTP/1.1 connections (the gateway's own upstream client). A try
// is counted under the route the gateway's route table picks for it, as gwsim counts it, with
// the latency the client saw; a try that got no answer counts as status 0 with its kind
// (connect, reset, timeout, protocol). One thread: the event loop's; the loop, route table,
// clock and result must outlive it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "libgateway/config/config.h"
#include "libgateway/net/event_loop.h"
#include "libgateway/net/pooled_transport.h"
#include "libgateway/routing/route_table.h"
#include "sim/engine/traffic_world.h"
#include "sim/report/run_result.h"

namespace gwload {

// Tries that got no HTTP answer, by kind.
struct NoAnswerCounts {
  std::uint64_t connect = 0, reset = 0, timeout = 0, protocol = 0;
  std::uint64_t total() const { return connect + reset + timeout + protocol; }
};

class ReplaySink final : public gwsim::CallSink {
 public:
  // `gateway` is "host:port"; each try gives up after `timeout` (real time).
  ReplaySink(gateway::net::EventLoop& loop, std::shared_ptr<const gateway::Config> config, std::string gateway,
             gateway::Duration timeout, std::size_t maxConnections, gwsim::RunResult& result);
  ~ReplaySink() override;

  void handle(gateway::Request request, std::function<void(gateway::Response)> done) override;

  std::uint64_t inFlight() const { return inFlight_; }
  const NoAnswerCounts& noAnswer() const { return noAnswer_; }
  // By route name (as RunResult::routes).
  const std::map<std::string, NoAnswerCounts>& noAnswerByRoute() const { return routeNoAnswer_; }
  const gateway::net::UpstreamStats& connections() const { return stats_; }
  // Closes every connection (tries still out fail); for the end of a replay. A try handed in
  // after it (an arrival due in the same turn of the loop) is neither sent nor counted.
  void close() {
    closed_ = true;
    transport_->closeAll();
  }

 private:
  const std::string& routeName(const gateway::Request& request) const;

  gateway::net::EventLoop& loop_;
  std::shared_ptr<const gateway::Config> config_;
  gateway::RouteTable routes_;
  std::string gateway_;
  gateway::Duration timeout_;
  gwsim::RunResult& result_;
  gateway::net::UpstreamStats stats_;
  std::unique_ptr<gateway::net::PooledTransport> transport_;
  std::uint64_t inFlight_ = 0;
  bool closed_ = false;
  NoAnswerCounts noAnswer_;
  std::map<std::string, NoAnswerCounts> routeNoAnswer_;
};

// {"connect": n, "reset": n, "timeout": n, "protocol": n}: the "errors" of a result row.
nlohmann::json toJson(const NoAnswerCounts& counts);

}  // namespace gwload
