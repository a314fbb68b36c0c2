// The simulated world's Env: a virtual clock that jumps to the next event and an event queue
// ordered by (time, sequence number). The gateway's random source is the "gateway" stream of
// the run's root seed, so each subsystem draws from its own stream. One thread; not
// thread-safe. The transport is the caller's (a simulated service model, or a fake in tests)
// and must outlive the SimEnv.
#pragma once

#include "libgateway/core/env.h"
#include "libgateway/core/manual_time.h"

namespace gwsim {

class SimEnv {
 public:
  SimEnv(const gateway::Random& root, gateway::UpstreamTransport& transport);

  gateway::Env& env() { return env_; }
  gateway::ManualClock& clock() { return clock_; }
  gateway::ManualScheduler& scheduler() { return scheduler_; }
  gateway::TimePoint now() const { return clock_.now(); }

 private:
  gateway::ManualClock clock_;
  gateway::ManualScheduler scheduler_;
  gateway::Random gatewayRandom_;
  gateway::Env env_;
};

}  // namespace gwsim
