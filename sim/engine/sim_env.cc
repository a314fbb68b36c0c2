#include "sim/engine/sim_env.h"

namespace gwsim {

SimEnv::SimEnv(const gateway::Random& root, gateway::UpstreamTransport& transport)
    : clock_(0),
      scheduler_(clock_),
      gatewayRandom_(root.stream("gateway")),
      env_{clock_, scheduler_, transport, gatewayRandom_} {}

}  // namespace gwsim
