// The simulated world's Env: a virtual clock that jumps to the next event, an event queue
// ordered by (time, sequence number), and one root seed from which every subsystem draws its
// own random stream. One thread; not thread-safe. The transport is supplied by the caller
// (a simulated service model, or a fake in tests) and must outlive the SimEnv.
#pragma once

#include <cstdint>

#include "libgateway/core/env.h"
#include "libgateway/core/manual_time.h"

namespace gwsim {

class SimEnv {
 public:
  SimEnv(std::uint64_t seed, gateway::UpstreamTransport& transport);

  gateway::Env& env() { return env_; }
  gateway::ManualClock& clock() { return clock_; }
  gateway::ManualScheduler& scheduler() { return scheduler_; }
  // The root generator; subsystems take `root().stream("name")`, never draw from it directly.
  const gateway::Random& root() const { return root_; }
  gateway::TimePoint now() const { return clock_.now(); }

  // Fires events in order until the queue is empty, `until` is passed, or `maxEvents` fired.
  std::uint64_t run(gateway::TimePoint until, std::uint64_t maxEvents = UINT64_MAX);

 private:
  gateway::ManualClock clock_;
  gateway::ManualScheduler scheduler_;
  gateway::Random root_;
  gateway::Random gatewayRandom_;
  gateway::Env env_;
};

}  // namespace gwsim
