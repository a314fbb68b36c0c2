// The simulated upstream: every instance of every gateway service is an InstanceModel
// (workers, queue, latency, errors) driven by the virtual scheduler, with the scenario's
// faults applied per request. Implements gateway::UpstreamTransport, so the gateway core
// calls it exactly as it calls the real pooled HTTP client. One thread, not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "libgateway/config/config.h"
#include "libgateway/core/env.h"
#include "libgateway/core/manual_time.h"
#include "sim/model/fault.h"
#include "sim/model/instance_model.h"
#include "sim/model/service_content.h"
#include "sim/scenario/scenario.h"

namespace gwsim {

struct InstanceCounters {
  std::uint64_t received = 0, served = 0, rejected = 0, errors = 0, timedOut = 0;
  std::uint64_t refused = 0, resets = 0, aborted = 0, hung = 0;
  std::uint32_t maxBusy = 0;
  std::size_t maxQueued = 0;
  gateway::Duration busyTime = 0;  // the service times of all work started: utilisation x workers x time
};

class SimTransport final : public gateway::UpstreamTransport {
 public:
  SimTransport(const Scenario& scenario, const gateway::Random& root);
  // Must be called before the first send: the scheduler that drives virtual time.
  void attach(gateway::ManualClock& clock, gateway::ManualScheduler& scheduler);

  void send(const gateway::Endpoint& endpoint, gateway::Request request, gateway::TimePoint deadline,
            std::function<void(gateway::UpstreamResult)> done) override;
  // Every call is answered by its deadline timer at the deadline, in virtual time.
  bool timesOutAtDeadline() const override { return true; }

  FaultSet& faults() { return faults_; }
  // Tries that reached a service while a failure fault (down, reset, hang, abort >= 500) hit them.
  const std::map<std::string, std::uint64_t>& sentWhileFailing() const { return sentWhileFailing_; }
  // Tries sent to the scenario's stampede service (and target) during its bursts.
  std::uint64_t stampedeFetches() const { return stampedeFetches_; }
  struct InstanceView {
    std::string service, instance;
    const InstanceModel* model;
    const InstanceCounters* counters;
  };
  std::vector<InstanceView> instances() const;

 private:
  struct Instance {
    std::string service, id;
    InstanceModel model;
    InstanceCounters counters;
    gateway::Random random;
    const ServiceContent* content = nullptr;  // null: answers carry no body
    bool stampede = false;                     // the scenario's stampede service
  };
  struct Call {
    Instance* instance = nullptr;
    std::function<void(gateway::UpstreamResult)> done;
    gateway::TimerId deadlineTimer = 0;
    gateway::TimePoint deadline = 0;
    gateway::Duration bodyTime = 0;  // a slow_body fault: the body's transfer after the work
    bool delayed = false;   // a latency fault holds it before it reaches the instance
    bool answered = false;  // the caller has its result (maybe a timeout)
    bool queued = false;    // waiting in the instance's queue
    bool working = false;   // a worker holds it; complete() will fire
    int status = 200;       // what the worker will answer
    gateway::Request request;  // kept only for a service with content
    std::uint64_t job = 0;  // 0: the slot is free
  };
  // Calls live in a slab; a job id is (generation << 32) | slot, so a stale id (a timer for
  // a call that already ended) finds a slot whose job differs and is ignored.
  Call* findCall(std::uint64_t job) {
    const auto slot = static_cast<std::uint32_t>(job);
    return slot < calls_.size() && calls_[slot].job == job ? &calls_[slot] : nullptr;
  }
  std::uint64_t newCall();
  void freeCall(Call& call);
  Instance* findInstance(const gateway::Endpoint& endpoint);

  // The caller gives up at its deadline: armed unless the answer is known to come first.
  void armDeadline(std::uint64_t job);
  // The request reaches the instance: a worker, the queue, or a 503.
  void admit(std::uint64_t job);
  void startWork(std::uint64_t job, const InstanceModel::Work& work);
  // Queued requests start while the instance has free workers (InstanceModel::startWaiting).
  void startWaiting(Instance& inst);
  void complete(std::uint64_t job);
  void answer(std::uint64_t job, gateway::UpstreamResult result);
  std::uint32_t workerLimit(const Instance& inst) const;
  // The answer with `status` (and, for a service with content, its body).
  gateway::UpstreamResult resultOf(const Call& call, int status) const;

  std::vector<Instance> instances_;
  std::unordered_map<std::uint64_t, std::size_t> byKey_;  // hash of (service, instance) -> index
  // Endpoints name instances with views into the running config, so the same instance comes
  // back with the same pointer: a small cache by that pointer skips hashing the names (each
  // hit is still checked against the names).
  std::array<Instance*, 64> recent_{};
  std::vector<Call> calls_;
  std::vector<std::uint32_t> freeCalls_;
  std::uint64_t generation_ = 1;
  FaultSet faults_;
  std::map<std::string, std::uint64_t> sentWhileFailing_;
  const StampedeSpec* stampede_ = nullptr;
  std::uint64_t stampedeFetches_ = 0;
  gateway::Random faultRandom_;
  gateway::Duration networkLatency_ = 0;
  gateway::ManualClock* clock_ = nullptr;
  gateway::ManualScheduler* scheduler_ = nullptr;
  ContentMaker content_;  // the answers of services with content (seeded by the run's seed)
};

}  // namespace gwsim
