#include "tools/gwdash/panels/policy_draw.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace gwdash::policydraw {

ImU32 errorColour(double share, int alpha) {
  const double t = std::clamp(share * 2.0, 0.0, 1.0);  // 0 -> green, 0.25 -> yellow, >= 0.5 -> red
  const int r = static_cast<int>(std::lround(t < 0.5 ? 60 + 390 * t : 255));
  const int g = static_cast<int>(std::lround(t < 0.5 ? 200 : 200 - 340 * (t - 0.5)));
  return IM_COL32(std::clamp(r, 0, 255), std::clamp(g, 0, 255), 60, alpha);
}

ImU32 breakerColour(const std::string& state, int alpha) {
  if (state == "closed") return IM_COL32(70, 190, 90, alpha);
  if (state == "open") return IM_COL32(220, 60, 60, alpha);
  if (state == "half_open") return IM_COL32(230, 170, 40, alpha);
  return grey(140, alpha);
}

ImU32 grey(int level, int alpha) { return IM_COL32(level, level, level, alpha); }

void arrow(ImDrawList* draw, ImVec2 from, ImVec2 to, ImU32 colour, float thickness) {
  const float dx = to.x - from.x, dy = to.y - from.y;
  const float length = std::sqrt(dx * dx + dy * dy);
  if (length < 1.0f) return;
  const float ux = dx / length, uy = dy / length;
  const float head = 6.0f + thickness * 2.0f;
  const ImVec2 base(to.x - ux * head, to.y - uy * head);
  draw->AddLine(from, base, colour, thickness);
  draw->AddTriangleFilled(to, ImVec2(base.x - uy * head * 0.5f, base.y + ux * head * 0.5f),
                          ImVec2(base.x + uy * head * 0.5f, base.y - ux * head * 0.5f), colour);
}

void label(ImDrawList* draw, ImVec2 centre, const std::string& text, ImU32 colour) {
  const ImVec2 size = ImGui::CalcTextSize(text.c_str());
  const ImVec2 min(centre.x - size.x / 2 - 3, centre.y - size.y / 2 - 1);
  const ImVec2 max(centre.x + size.x / 2 + 3, centre.y + size.y / 2 + 1);
  draw->AddRectFilled(min, max, IM_COL32(20, 22, 28, 210), 3.0f);
  draw->AddText(ImVec2(min.x + 3, min.y + 1), colour, text.c_str());
}

void centredText(ImDrawList* draw, ImVec2 centre, const std::string& text, ImU32 colour) {
  const ImVec2 size = ImGui::CalcTextSize(text.c_str());
  draw->AddText(ImVec2(centre.x - size.x / 2, centre.y - size.y / 2), colour, text.c_str());
}

std::string rateText(double rate, double errorShare) {
  const std::string r = rate >= 100 ? fmt::format("{:.0f}/s", rate) : fmt::format("{:.1f}/s", rate);
  if (errorShare <= 0) return r;
  return fmt::format("{} {:.0f}% err", r, errorShare * 100);
}

std::string bytesText(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
  if (bytes < 1024ull * 1024 * 1024) return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024 * 1024));
  return fmt::format("{:.2f} GiB", static_cast<double>(bytes) / (1024.0 * 1024 * 1024));
}

PlotRect plotWithLine(const char* id, const std::vector<float>& values, float scaleMin, float scaleMax, float height,
                      const std::string& overlay, float mark, ImU32 markColour) {
  static const float kEmpty = 0.0f;
  ImGui::PlotLines(id, values.empty() ? &kEmpty : values.data(), values.empty() ? 1 : static_cast<int>(values.size()), 0,
                   overlay.c_str(), scaleMin, scaleMax, ImVec2(std::max(ImGui::GetContentRegionAvail().x, 40.0f), height));
  PlotRect rect{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()};
  if (mark >= scaleMin && mark <= scaleMax && scaleMax > scaleMin) {
    const ImGuiStyle& style = ImGui::GetStyle();
    const float top = rect.min.y + style.FramePadding.y, bottom = rect.max.y - style.FramePadding.y;
    const float y = bottom - (mark - scaleMin) / (scaleMax - scaleMin) * (bottom - top);
    ImGui::GetWindowDrawList()->AddLine(ImVec2(rect.min.x + style.FramePadding.x, y),
                                        ImVec2(rect.max.x - style.FramePadding.x, y), markColour, 1.5f);
  }
  return rect;
}

}  // namespace gwdash::policydraw
