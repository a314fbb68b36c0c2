// Where each window goes: ImGui 1.86 has no docking, so gwdash places its windows itself on a
// fixed grid that follows the window's size. The control bar spans the top; the lesson is a
// column on the left; the other panels share the rest, in rows of up to three. One panel
// alone (--panel NAME) fills the whole window. Pure arithmetic, no ImGui.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace gwdash {

struct Rect {
  float x = 0, y = 0, w = 0, h = 0;
};

struct PanelRect {
  std::string name;
  Rect rect;
};

struct Layout {
  Rect controls;                  // w = h = 0: no control bar
  std::vector<PanelRect> panels;  // the lesson column first, then the grid row by row
  // {"width", "height", "controls": {x, y, w, h}, "panels": [{name, x, y, w, h}, ...]}:
  // the screenshot's sidecar, so a test can find each panel's pixels.
  nlohmann::json toJson(int width, int height) const;
};

inline constexpr float kControlBarHeight = 80.0f;

// `names` in display order; "lesson" (when present with others) becomes the left column.
Layout computeLayout(float width, float height, const std::vector<std::string>& names, bool withControls);

}  // namespace gwdash
