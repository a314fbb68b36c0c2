// Where the panels' data comes from: the simulator in-process (a SimSession, which the control
// bar plays, steps, jumps and changes) or a live gatewayd (attach mode, polled every frame).
// Dashboard thread only.
#pragma once

#include <memory>
#include <string>

#include "tools/gwdash/model/dashboard_listener.h"
#include "tools/gwdash/model/sim_session.h"

namespace gwdash {

class Source {
 public:
  virtual ~Source() = default;
  virtual void addListener(DashboardListener* listener) = 0;
  virtual const DashboardContext& context() const = 0;
  virtual gateway::TimePoint now() const = 0;
  // Called once per frame before the panels draw (attach mode reads what arrived).
  virtual void poll() {}
  // One line for the control bar: "t = 12.3 s of 60 s, 41 233 events" or the connection's state.
  virtual std::string status() const = 0;
  // The simulated session, or null when attached to a live gatewayd.
  virtual SimSession* session() { return nullptr; }
};

std::unique_ptr<Source> makeSimSource(std::unique_ptr<SimSession> session);

// Connects to a gatewayd's admin listener; null with `error` naming what failed (also when
// this build has no attach support yet).
std::unique_ptr<Source> makeAttachSource(const std::string& url, std::string& error);

}  // namespace gwdash
