// The dashboard's panels, in display order. The layout puts "lesson" in the left column and
// the others in a grid; --panel NAME picks one by its name().
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tools/gwdash/panels/panel.h"

namespace gwdash {

std::vector<std::unique_ptr<Panel>> makePanels();

// "topology, limiter, ..." for error messages and --help.
std::string panelNames(const std::vector<std::unique_ptr<Panel>>& panels);

}  // namespace gwdash
