#include "sim/engine/sim_env.h"

namespace gwsim {

SimEnv::SimEnv(std::uint64_t seed, gateway::UpstreamTransport& transport)
    : clock_(0),
      scheduler_(clock_),
      root_(seed),
      gatewayRandom_(root_.stream("gateway")),
      env_{clock_, scheduler_, transport, gatewayRandom_} {}

std::uint64_t SimEnv::run(gateway::TimePoint until, std::uint64_t maxEvents) {
  std::uint64_t fired = 0;
  while (fired < maxEvents && scheduler_.nextTime() <= until) {
    scheduler_.runNext();
    ++fired;
  }
  return fired;
}

}  // namespace gwsim
