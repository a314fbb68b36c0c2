// A scenario's time on a real clock: scenario time 0 is the moment the replay starts, and
// `speed` scenario seconds pass per real second (2: twice as fast). The scenario's client
// traffic schedules in scenario time; this turns it into real timers on the event loop.
// Used on the loop's thread only; the real clock and scheduler must outlive it.
#pragma once

#include <cmath>

#include "libgateway/core/env.h"

namespace gwload {

class ScenarioClock final : public gateway::Clock, public gateway::Scheduler {
 public:
  ScenarioClock(gateway::Clock& real, gateway::Scheduler& scheduler, double speed)
      : real_(real), scheduler_(scheduler), speed_(speed), origin_(real.now()) {}

  gateway::TimePoint now() const override { return toScenario(real_.now()); }
  gateway::TimerId schedule(gateway::TimePoint at, gateway::Callback callback) override {
    return scheduler_.schedule(toReal(at), std::move(callback));
  }
  void cancel(gateway::TimerId id) override { scheduler_.cancel(id); }

  gateway::TimePoint toReal(gateway::TimePoint scenarioTime) const {
    return origin_ + static_cast<gateway::Duration>(std::llround(static_cast<double>(scenarioTime) / speed_));
  }
  gateway::TimePoint toScenario(gateway::TimePoint realTime) const {
    return static_cast<gateway::TimePoint>(std::llround(static_cast<double>(realTime - origin_) * speed_));
  }
  // A scenario duration in real time (for deadlines and the fault timeline).
  gateway::Duration realDuration(gateway::Duration scenarioDuration) const {
    return static_cast<gateway::Duration>(std::llround(static_cast<double>(scenarioDuration) / speed_));
  }

 private:
  gateway::Clock& real_;
  gateway::Scheduler& scheduler_;
  double speed_;
  gateway::TimePoint origin_;
};

}  // namespace gwload
