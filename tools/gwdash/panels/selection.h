// What the user picked, shared by the panels of one process: a point in simulated time (a
// click on the latency chart; the inspector shows the requests around it) and a request (a
// row of the inspector). Dashboard thread only.
#pragma once

#include <cstdint>
#include <optional>

#include "libgateway/core/time.h"

namespace gwdash {

struct Selection {
  std::optional<gateway::TimePoint> time;
  std::optional<std::uint64_t> requestId;
};

// The process's one selection (cleared by the app when a new run starts).
inline Selection& selection() {
  static Selection instance;
  return instance;
}

}  // namespace gwdash
