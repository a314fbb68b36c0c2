// A request that a client hands to the gateway (every attempt, retries included), seen in time
// order just before the gateway handles it: the dashboard's limiter lab feeds the same traffic
// to other policies. Plain values; the request is valid during the listener's call only.
#pragma once

#include <cstdint>
#include <functional>

#include "libgateway/core/time.h"
#include "libgateway/http/message.h"

namespace gwsim {

struct Arrival {
  gateway::TimePoint at = 0;
  std::uint32_t group = 0;   // index into Scenario::clients
  std::uint32_t client = 0;  // index of the client in its group
  const gateway::Request* request = nullptr;
};
using ArrivalListener = std::function<void(const Arrival&)>;

}  // namespace gwsim
