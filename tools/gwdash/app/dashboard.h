// The dashboard: a source (simulated or attached), its panels and the control bar, drawn as
// fixed windows on the layout's grid each frame. Knows nothing of GLFW: the caller starts the
// ImGui frame and renders it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tools/gwdash/app/control_bar.h"
#include "tools/gwdash/app/layout.h"
#include "tools/gwdash/app/source.h"
#include "tools/gwdash/panels/panel.h"

namespace gwdash {

class Dashboard {
 public:
  // `panels` in display order. `singlePanel` (--panel NAME): the one panel fills the window,
  // without the control bar.
  Dashboard(std::unique_ptr<Source> source, std::vector<std::unique_ptr<Panel>> panels, bool singlePanel = false);

  // One frame: keys, play (the wall time since the last frame), then every window.
  void frame(double wallSeconds, float width, float height);

  Source& source() { return *source_; }
  ControlState& controls() { return controls_; }
  // The rectangles of the last frame.
  const Layout& layout() const { return layout_; }
  // "boundary-burst at t = 60.000 s" for window titles.
  std::string caption() const;

 private:
  std::unique_ptr<Source> source_;
  std::vector<std::unique_ptr<Panel>> panels_;
  ControlState controls_;
  Layout layout_;
  bool single_ = false;
};

}  // namespace gwdash
