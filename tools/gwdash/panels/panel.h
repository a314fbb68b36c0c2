// One dashboard panel: a model fed like every other (DashboardListener), and draw(), which
// turns it into ImGui calls inside the window the layout gives it. Panels own their data
// (imgui_demo.cpp's layout: small structs with a draw()). Dashboard thread only.
#pragma once

#include <string_view>

#include "tools/gwdash/model/dashboard_listener.h"

namespace gwdash {

class Panel : public DashboardListener {
 public:
  // Short and stable: the --panel flag and the window title use it ("topology", "limiter", ...).
  virtual std::string_view name() const = 0;
  virtual std::string_view title() const = 0;
  // Draws the panel's contents (the caller has opened its window). `now` is the source's clock.
  virtual void draw(gateway::TimePoint now) = 0;
};

}  // namespace gwdash
