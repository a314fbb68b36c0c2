// The real world's Clock: std::chrono::steady_clock in integer microseconds, the same time
// base as Asio's steady_timer, so a TimePoint converts to a timer expiry without drift.
// Stateless and thread-safe; one instance may serve every worker.
#pragma once

#include <chrono>

#include "libgateway/core/env.h"

namespace gateway::net {

class SteadyClock final : public Clock {
 public:
  TimePoint now() const override { return nowMicros(); }

  static TimePoint nowMicros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace gateway::net
