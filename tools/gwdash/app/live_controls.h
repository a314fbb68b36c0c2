// The live changes of a simulated run, as three buttons with their popups: Faults (a service
// or one instance down, added latency, an error rate, a capacity drop, for some seconds),
// Policies (each switch of policy_switch.h: a rate-limit algorithm, a breaker mode, a route's
// cache), and Export (the session as a scenario file that replays it). Each fault and switch
// takes effect at now + 1 µs and goes on the session's timeline.
#pragma once

#include <string>

#include "tools/gwdash/model/sim_session.h"

namespace gwdash {

class LiveControls {
 public:
  // Draws the buttons on the current line; outcomes and errors go to `message`.
  void drawButtons(SimSession& session, std::string& message);

  // The fault the Faults popup would inject now (tests of the form's mapping).
  gwsim::FaultSpec faultFromForm(const SimSession& session) const;

 private:
  void drawFaultPopup(SimSession& session, std::string& message);
  void drawPolicyPopup(SimSession& session, std::string& message);
  void drawExportPopup(SimSession& session, std::string& message);

  int service_ = 0;
  int instance_ = 0;  // 0: every instance
  int kind_ = 0;      // kFaultKinds
  float seconds_ = 10.0f;
  float latencyMs_ = 300.0f;
  float errorRate_ = 0.5f;
  float capacity_ = 0.25f;
  std::string exportPath_ = "gwdash-session.json";
};

}  // namespace gwdash
