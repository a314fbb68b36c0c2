// gwdash's three ways to run a dashboard once the command line is checked: interactive (a
// window until it is closed), a screenshot (render at simulated time T, write a PNG and its
// layout), and an fps report (N frames as fast as they come, at a given speed). Each returns
// the process's exit code (libgateway/core/exit_code.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tools/gwdash/app/dashboard.h"

namespace gwdash {

struct RunSettings {
  int width = 1600;
  int height = 900;
  double speed = 1.0;
  std::optional<gateway::TimePoint> at;  // jump there first (simulated mode)
  std::string screenshot;               // the PNG's path
  int fpsFrames = 0;                    // > 0: the fps report
};

int runInteractive(Dashboard& dashboard, const RunSettings& settings);
int runScreenshot(Dashboard& dashboard, const RunSettings& settings);
int runFpsReport(Dashboard& dashboard, const RunSettings& settings);

}  // namespace gwdash
