// The scenario's client groups: open-loop arrivals, closed-loop clients or a replayed trace,
// each call sent to a CallSink with the group's retries: the in-process Gateway in virtual
// time (gwsim), or a real gateway in real time (gwload scenario). One thread, not
// thread-safe; the scenario, clock, scheduler, sink and recorder are the caller's and must
// outlive it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "libgateway/core/random.h"
#include "libgateway/http/message.h"
#include "libgateway/core/env.h"
#include "sim/engine/arrival.h"
#include "sim/engine/traffic_world.h"
#include "sim/scenario/scenario.h"

namespace gwsim {

class ClientTraffic {
 public:
  // Each group draws from its own stream of `root`, "client/<group>".
  ClientTraffic(const Scenario& scenario, const gateway::Random& root, gateway::Clock& clock,
                gateway::Scheduler& scheduler, CallSink& sink, CallRecorder& recorder);
  ClientTraffic(const ClientTraffic&) = delete;
  ClientTraffic& operator=(const ClientTraffic&) = delete;

  // Schedules every group's first requests.
  void start();
  // Told of every request before the gateway handles it (null or empty: nobody).
  void setArrivalListener(const ArrivalListener* listener) { arrivals_ = listener; }
  // One way between a client and the gateway (the scenario's client_latency_ms): each try
  // reaches the gateway that much after it is sent, and its answer the client that much after
  // the gateway gave it. Virtual time only: for real, the hop is the wire's (0, the default).
  void setClientLatency(gateway::Duration oneWay) { clientLatency_ = oneWay; }

  std::uint64_t clientRequests() const { return clientRequests_; }    // first attempts
  std::uint64_t gatewayRequests() const { return gatewayRequests_; }  // every attempt
  std::uint64_t retries() const { return retries_; }
  // Calls begun and not over: waiting for an answer, or for the time of their next try (a
  // retry held by Retry-After may leave after the scenario's end; gwsim sends it, and so
  // must a real replay).
  std::size_t openCalls() const { return calls_.size() - freeCalls_.size(); }

 private:
  struct GroupState {
    const ClientGroup* group;
    gateway::Random random;       // arrivals, clients, request mix, think times
    gateway::Random retryRandom;  // retry backoff: what the gateway answers never moves arrivals
    std::vector<std::string> addresses;  // precomputed for groups of up to 65,536 clients
  };
  struct ClientCall {
    std::uint32_t group = 0;
    std::uint32_t client = 0;
    std::uint32_t attempt = 0;
    gateway::TimePoint firstStart = 0;
    gateway::Request request;  // kept only when the group retries, or while on its way
    gateway::Response answer;  // on its way back to the client (client latency only)
  };

  gateway::TimePoint groupStop(const ClientGroup& g) const;
  void startGroup(std::size_t g);
  void scheduleReplay(std::size_t g, std::size_t index);
  // Inline (defined in client_traffic.cc, its only user) so it folds into the arrival event,
  // as it did when the whole run was one file.
  inline void scheduleArrival(std::size_t g, gateway::TimePoint from, bool first = false);
  std::uint32_t allocCall();
  // `intended`: when the client meant to send it (its latency counts from then).
  void newRequest(std::size_t g, std::uint32_t c, gateway::TimePoint intended);
  void sendAttempt(std::uint32_t id);
  void enterGateway(std::uint32_t id);
  void onGatewayAnswer(std::uint32_t id, gateway::Response r);
  void onClientResponse(std::uint32_t id, const gateway::Response& r);

  const Scenario& scenario_;
  gateway::Clock& clock_;
  gateway::Scheduler& scheduler_;
  CallSink& sink_;
  CallRecorder& recorder_;
  std::vector<GroupState> groups_;
  // Client calls live in a slab so callbacks capture an index, not a shared_ptr.
  std::vector<ClientCall> calls_;
  std::vector<std::uint32_t> freeCalls_;
  std::uint64_t clientRequests_ = 0;
  std::uint64_t gatewayRequests_ = 0;
  std::uint64_t retries_ = 0;
  const ArrivalListener* arrivals_ = nullptr;
  gateway::Duration clientLatency_ = 0;
};

}  // namespace gwsim
