// The control bar across the top. Simulated: play/pause, step (an event, a request, a
// second), the speed (0.01x .. 1000x real time, or "max"), jump to T with the proof that the
// re-run was exact, restart with a seed, the live changes (faults, policy switches), export
// as a scenario, and the run's timeline (click it to choose a jump target). Attached: the
// connection's state. Draws into the window the caller opened.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tools/gwdash/app/live_controls.h"
#include "tools/gwdash/app/player.h"
#include "tools/gwdash/app/source.h"

namespace gwdash {

struct ControlState {
  Player player;
  float jumpSeconds = 0;
  std::optional<JumpReport> lastJump;
  std::uint64_t seed = 0;  // the restart field; set from the session at start
  LiveControls live;
  std::string message;     // the last action's outcome, or what went wrong
  std::vector<TimelineEntry> scheduled;  // the scenario file's faults and changes
};

// "re-ran 41233 events in 182.4 ms; 12/12 checkpoints identical".
std::string describeJump(const JumpReport& report);

void drawControlBar(Source& source, ControlState& state);

// Space: play/pause; Right: the next request; Shift+Right: the next second.
void handleShortcuts(Source& source, ControlState& state);

}  // namespace gwdash
