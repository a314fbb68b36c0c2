#include "tools/gwdash/app/panel_set.h"

#include "tools/gwdash/panels/lesson_panel.h"

namespace gwdash {

std::vector<std::unique_ptr<Panel>> makePanels() {
  std::vector<std::unique_ptr<Panel>> panels;
  panels.push_back(std::make_unique<LessonPanel>());
  return panels;
}

std::string panelNames(const std::vector<std::unique_ptr<Panel>>& panels) {
  std::string out;
  for (const auto& panel : panels) {
    if (!out.empty()) out += ", ";
    out += panel->name();
  }
  return out;
}

}  // namespace gwdash
