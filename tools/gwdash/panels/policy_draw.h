// Drawing helpers shared by the policy panels (topology, breaker, cache): colours for error
// shares and breaker states, arrows, labels with a backdrop, a time-axis chart frame, and
// number formats. ImGui calls only; dashboard thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <imgui.h>

namespace gwdash::policydraw {

// Green (no errors) through yellow to red (half or more failing).
ImU32 errorColour(double share, int alpha = 255);
// closed: green, open: red, half_open: amber; anything else grey.
ImU32 breakerColour(const std::string& state, int alpha = 255);
ImU32 grey(int level, int alpha = 255);

// A line from `from` to `to` with a filled head at `to`.
void arrow(ImDrawList* draw, ImVec2 from, ImVec2 to, ImU32 colour, float thickness = 1.5f);
// Text centred on `centre` over a dark rounded backdrop (edge labels).
void label(ImDrawList* draw, ImVec2 centre, const std::string& text, ImU32 colour = IM_COL32(230, 230, 230, 255));
// Text centred on `centre`, no backdrop.
void centredText(ImDrawList* draw, ImVec2 centre, const std::string& text, ImU32 colour);

// "12.5/s 3%" (the error share left out when there is none).
std::string rateText(double rate, double errorShare);
// 4611 -> "4.5 KiB".
std::string bytesText(std::uint64_t bytes);

// PlotLines of `values` over the frame's width, then a horizontal line at `mark` (in the
// same scale) drawn on it; returns the plot's rectangle (for hover tests and overlays).
struct PlotRect {
  ImVec2 min, max;
};
PlotRect plotWithLine(const char* id, const std::vector<float>& values, float scaleMin, float scaleMax, float height,
                      const std::string& overlay, float mark = -1, ImU32 markColour = IM_COL32(255, 80, 80, 255));

}  // namespace gwdash::policydraw
