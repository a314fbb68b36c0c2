// Plays a SimSession against the wall clock: each frame advances the simulation by the frame's
// wall time times the speed (0.01x .. 1000x real time), or at "max" by an event budget. Both
// are bounded by a per-frame budget of events, tuned so the simulation's share of a frame
// stays near 12 ms: the UI keeps drawing even when the run cannot keep up (then behind()).
#pragma once

#include <cstdint>

#include "tools/gwdash/model/sim_session.h"

namespace gwdash {

class Player {
 public:
  static constexpr double kMinSpeed = 0.01;
  static constexpr double kMaxSpeed = 1000.0;

  bool playing = false;
  double speed = 1.0;  // times real time
  bool max = false;    // as fast as the budget allows

  // A frame's share of play; `wallSeconds` is the time since the last frame.
  void frame(SimSession& session, double wallSeconds);
  // Simulated seconds per wall second over the last frames (smoothed).
  double actualSpeed() const { return actual_; }
  // The last frame ran out of budget before reaching its simulated time.
  bool behind() const { return behind_; }
  std::uint64_t budget() const { return budget_; }
  // Forgets the wall-clock carry (after a jump, restart or pause).
  void clearCarry() { carryUs_ = 0; }

 private:
  double carryUs_ = 0;
  std::uint64_t budget_ = 20000;
  double actual_ = 0;
  bool behind_ = false;
};

}  // namespace gwdash
