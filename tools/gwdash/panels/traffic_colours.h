// The colours of the status classes, shared by the latency and inspector panels so a 429 is
// the same orange in both. Dashboard thread only (ImGui).
#pragma once

#include <imgui.h>

#include "tools/gwdash/model/traffic_classes.h"

namespace gwdash {

inline ImU32 statusClassColour(StatusClass statusClass) {
  switch (statusClass) {
    case StatusClass::k2xx: return IM_COL32(90, 190, 110, 255);
    case StatusClass::k3xx: return IM_COL32(80, 170, 200, 255);
    case StatusClass::k4xx: return IM_COL32(225, 205, 80, 255);
    case StatusClass::k429: return IM_COL32(240, 150, 50, 255);
    case StatusClass::k5xx: return IM_COL32(225, 70, 60, 255);
    case StatusClass::k503: return IM_COL32(200, 80, 190, 255);
    case StatusClass::k504: return IM_COL32(150, 40, 40, 255);
    case StatusClass::kOther: return IM_COL32(140, 140, 150, 255);
  }
  return IM_COL32(140, 140, 150, 255);
}

inline ImVec4 statusClassTextColour(StatusClass statusClass) {
  return ImGui::ColorConvertU32ToFloat4(statusClassColour(statusClass));
}

}  // namespace gwdash
