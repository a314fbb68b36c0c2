#include "tools/gwdash/app/panel_set.h"

#include "tools/gwdash/panels/breaker_panel.h"
#include "tools/gwdash/panels/cache_panel.h"
#include "tools/gwdash/panels/inspector_panel.h"
#include "tools/gwdash/panels/latency_panel.h"
#include "tools/gwdash/panels/limiter_panel.h"
#include "tools/gwdash/panels/lesson_panel.h"
#include "tools/gwdash/panels/topology_panel.h"

namespace gwdash {

std::vector<std::unique_ptr<Panel>> makePanels() {
  std::vector<std::unique_ptr<Panel>> panels;
  panels.push_back(std::make_unique<TopologyPanel>());
  panels.push_back(std::make_unique<LimiterPanel>());
  panels.push_back(std::make_unique<BreakerPanel>());
  panels.push_back(std::make_unique<CachePanel>());
  panels.push_back(std::make_unique<LatencyPanel>());
  panels.push_back(std::make_unique<InspectorPanel>());
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
