#include "tools/gwdash/app/layout.h"

#include <algorithm>
#include <cmath>

namespace gwdash {

namespace {

nlohmann::json layoutRectJson(const Rect& r) {
  return {{"x", std::lround(r.x)}, {"y", std::lround(r.y)}, {"w", std::lround(r.w)}, {"h", std::lround(r.h)}};
}

// Columns for `n` panels: one row up to 3, then rows of 3 (4 from 9 on).
int layoutGridColumns(std::size_t n) {
  if (n <= 3) return static_cast<int>(n);
  if (n == 4) return 2;
  if (n <= 8) return 3;
  return 4;
}

}  // namespace

nlohmann::json Layout::toJson(int width, int height) const {
  nlohmann::json out = {{"width", width}, {"height", height}, {"panels", nlohmann::json::array()}};
  if (controls.w > 0) out["controls"] = layoutRectJson(controls);
  for (const auto& p : panels) {
    nlohmann::json item = layoutRectJson(p.rect);
    item["name"] = p.name;
    out["panels"].push_back(std::move(item));
  }
  return out;
}

Layout computeLayout(float width, float height, const std::vector<std::string>& names, bool withControls) {
  Layout layout;
  float top = 0;
  if (withControls) {
    layout.controls = {0, 0, width, kControlBarHeight};
    top = kControlBarHeight;
  }
  const float areaH = std::max(0.0f, height - top);
  if (names.empty()) return layout;
  if (names.size() == 1) {
    layout.panels.push_back({names[0], {0, top, width, areaH}});
    return layout;
  }
  std::vector<std::string> grid;
  float left = 0;
  for (const auto& name : names) {
    if (name == "lesson") {
      const float column = std::clamp(std::round(width * 0.2f), 260.0f, 440.0f);
      layout.panels.push_back({name, {0, top, column, areaH}});
      left = column;
    } else {
      grid.push_back(name);
    }
  }
  if (grid.empty()) return layout;
  const float areaW = std::max(0.0f, width - left);
  const int columns = layoutGridColumns(grid.size());
  const int rows = static_cast<int>((grid.size() + columns - 1) / columns);
  const float cellH = std::floor(areaH / static_cast<float>(rows));
  for (int row = 0; row < rows; ++row) {
    const std::size_t first = static_cast<std::size_t>(row * columns);
    const std::size_t inRow = std::min<std::size_t>(columns, grid.size() - first);
    // The last row's panels stretch to fill the width.
    const float cellW = std::floor(areaW / static_cast<float>(inRow));
    for (std::size_t i = 0; i < inRow; ++i) {
      const float x = left + cellW * static_cast<float>(i);
      const float w = i + 1 == inRow ? width - x : cellW;
      const float y = top + cellH * static_cast<float>(row);
      const float h = row + 1 == rows ? height - y : cellH;
      layout.panels.push_back({grid[first + i], {x, y, w, h}});
    }
  }
  return layout;
}

}  // namespace gwdash
