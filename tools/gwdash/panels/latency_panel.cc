#include "tools/gwdash/panels/latency_panel.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <imgui.h>

#include "tools/gwdash/panels/selection.h"
#include "tools/gwdash/panels/traffic_colours.h"

namespace gwdash {

namespace {

const ImU32 kLatencyP50Colour = IM_COL32(110, 190, 250, 255);
const ImU32 kLatencySelectedColour = IM_COL32(250, 230, 90, 200);

float latencyMs(gateway::Duration d) { return static_cast<float>(d) / 1000.0f; }

// The second under the mouse in a chart of `count` seconds spread over [left, right].
std::size_t latencySecondUnderMouse(float left, float right, std::size_t count, bool centredBars) {
  const float t = std::clamp((ImGui::GetIO().MousePos.x - left) / std::max(right - left, 1.0f), 0.0f, 0.9999f);
  if (centredBars) return static_cast<std::size_t>(t * static_cast<float>(count));
  return static_cast<std::size_t>(std::lround(t * static_cast<float>(count - 1)));
}

// Tooltip and click for the second under the mouse: a click selects its time.
void latencyHoverSecond(const LatencySecond& second) {
  ImGui::SetTooltip("%s\n(click: show these requests in the inspector)", LatencyModel::secondText(second).c_str());
  if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
    selection().time = gateway::seconds(second.second);
    selection().requestId.reset();
  }
}

// The selected time as a vertical line, when it is one of the chart's seconds.
void latencyMarkSelection(const std::vector<LatencySecond>& series, float left, float right, float top, float bottom,
                          bool centredBars) {
  if (!selection().time || series.empty()) return;
  const std::int64_t selected = *selection().time / gateway::kSecond;
  if (selected < series.front().second || selected > series.back().second) return;
  const auto i = static_cast<float>(selected - series.front().second);
  const auto n = static_cast<float>(series.size());
  float x = left;
  if (centredBars) {
    x = left + (i + 0.5f) / n * (right - left);
  } else if (series.size() > 1) {
    x = left + i / (n - 1) * (right - left);
  }
  ImGui::GetWindowDrawList()->AddLine(ImVec2(x, top), ImVec2(x, bottom), kLatencySelectedColour, 2.0f);
}

}  // namespace

void LatencyPanel::draw(gateway::TimePoint) {
  const std::vector<LatencySecond> series = model_.series();
  const std::int64_t current = model_.currentSecond();
  ImGui::TextWrapped("This second so far: %s", LatencyModel::secondText(model_.second(current)).c_str());
  if (current > 0) {
    ImGui::TextWrapped("Last whole second: %s", LatencyModel::secondText(model_.second(current - 1)).c_str());
  }
  if (model_.totalRequests() == 0) {
    ImGui::TextDisabled("No request has completed yet.");
    return;
  }
  const float spacing = ImGui::GetTextLineHeightWithSpacing();
  const float avail = ImGui::GetContentRegionAvail().y - 5.0f * spacing;  // the charts' captions
  const float chart = std::max(40.0f, avail / 3.0f);
  drawPercentiles(series, chart);
  drawStatuses(series, chart);
  drawHistogram(chart);
}

void LatencyPanel::drawPercentiles(const std::vector<LatencySecond>& series, float height) {
  std::vector<float> p50, p99;
  float top = 1.0f;
  for (const LatencySecond& s : series) {
    p50.push_back(latencyMs(s.p50));
    p99.push_back(latencyMs(s.p99));
    top = std::max(top, p99.back());
  }
  top *= 1.1f;
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(ImGui::GetColorU32(ImGuiCol_PlotLines)), "p99");
  ImGui::SameLine();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kLatencyP50Colour), "p50");
  ImGui::SameLine();
  ImGui::TextDisabled("per second, t = %lld..%lld s",
                      static_cast<long long>(series.empty() ? 0 : series.front().second),
                      static_cast<long long>(series.empty() ? 0 : series.back().second));
  if (selection().time) {
    ImGui::SameLine();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(kLatencySelectedColour), "selected t=%lld s",
                       static_cast<long long>(*selection().time / gateway::kSecond));
    ImGui::SameLine();
    if (ImGui::SmallButton("clear##latency_selection")) selection().time.reset();
  }
  const std::string overlay = fmt::format("0 .. {:.1f} ms", top);
  ImGui::PlotLines("##latency_p99", p99.data(), static_cast<int>(p99.size()), 0, overlay.c_str(), 0.0f, top,
                   ImVec2(ImGui::GetContentRegionAvail().x, height));
  const ImVec2 pad = ImGui::GetStyle().FramePadding;
  const ImVec2 min(ImGui::GetItemRectMin().x + pad.x, ImGui::GetItemRectMin().y + pad.y);
  const ImVec2 max(ImGui::GetItemRectMax().x - pad.x, ImGui::GetItemRectMax().y - pad.y);
  // p50 on the same scale, over the p99 line.
  if (p50.size() > 1) {
    std::vector<ImVec2> points;
    for (std::size_t i = 0; i < p50.size(); ++i) {
      const float x = min.x + static_cast<float>(i) / static_cast<float>(p50.size() - 1) * (max.x - min.x);
      points.emplace_back(x, max.y - std::clamp(p50[i] / top, 0.0f, 1.0f) * (max.y - min.y));
    }
    ImGui::GetWindowDrawList()->AddPolyline(points.data(), static_cast<int>(points.size()), kLatencyP50Colour, 0, 1.5f);
  }
  latencyMarkSelection(series, min.x, max.x, min.y, max.y, false);
  if (ImGui::IsItemHovered() && series.size() > 1) {
    latencyHoverSecond(series[latencySecondUnderMouse(min.x, max.x, series.size(), false)]);
  }
}

void LatencyPanel::drawStatuses(const std::vector<LatencySecond>& series, float height) {
  ImGui::TextDisabled("requests/s:");
  for (StatusClass c : allStatusClasses()) {
    ImGui::SameLine();
    ImGui::TextColored(statusClassTextColour(c), "%s", std::string(statusClassName(c)).c_str());
  }
  const ImVec2 size(ImGui::GetContentRegionAvail().x, height);
  const ImVec2 min = ImGui::GetCursorScreenPos();
  const ImVec2 max(min.x + size.x, min.y + size.y);
  ImGui::InvisibleButton("##latency_statuses", ImVec2(std::max(size.x, 1.0f), std::max(size.y, 1.0f)));
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->AddRectFilled(min, max, ImGui::GetColorU32(ImGuiCol_FrameBg), ImGui::GetStyle().FrameRounding);
  std::uint64_t most = 1;
  for (const LatencySecond& s : series) most = std::max(most, s.requests);
  const float barWidth = size.x / static_cast<float>(std::max<std::size_t>(series.size(), 1));
  for (std::size_t i = 0; i < series.size(); ++i) {
    const float x0 = min.x + static_cast<float>(i) * barWidth;
    const float x1 = x0 + std::max(barWidth - 1.0f, 1.0f);
    float y = max.y;
    for (StatusClass c : allStatusClasses()) {
      const std::uint64_t n = series[i].status(c);
      if (n == 0) continue;
      const float h = static_cast<float>(n) / static_cast<float>(most) * (size.y - 2.0f);
      draw->AddRectFilled(ImVec2(x0, y - h), ImVec2(x1, y), statusClassColour(c));
      y -= h;
    }
  }
  char top[32];
  std::snprintf(top, sizeof top, "%llu/s", static_cast<unsigned long long>(most));
  draw->AddText(ImVec2(min.x + 4, min.y + 2), ImGui::GetColorU32(ImGuiCol_Text), top);
  latencyMarkSelection(series, min.x, max.x, min.y, max.y, true);
  if (ImGui::IsItemHovered() && !series.empty()) {
    latencyHoverSecond(series[latencySecondUnderMouse(min.x, max.x, series.size(), true)]);
  }
}

void LatencyPanel::drawHistogram(float height) {
  const LatencyModel::Buckets buckets = model_.histogram();
  std::vector<float> values(buckets.begin(), buckets.end());
  std::uint64_t total = 0;
  for (std::uint64_t n : buckets) total += n;
  int seconds = static_cast<int>(model_.histogramSeconds());
  ImGui::TextDisabled("latency histogram, last");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("000000 s").x);
  if (ImGui::DragInt("##latency_window", &seconds, 0.2f, 1, static_cast<int>(LatencyModel::kSeconds), "%d s")) {
    model_.setHistogramSeconds(static_cast<std::size_t>(seconds));
  }
  ImGui::SameLine();
  ImGui::TextDisabled("(%llu requests)", static_cast<unsigned long long>(total));
  const float labelHeight = ImGui::GetTextLineHeightWithSpacing();
  ImGui::PlotHistogram("##latency_histogram", values.data(), static_cast<int>(values.size()), 0, nullptr, 0.0f, FLT_MAX,
                       ImVec2(ImGui::GetContentRegionAvail().x, std::max(height - labelHeight, 30.0f)));
  const ImVec2 pad = ImGui::GetStyle().FramePadding;
  const float left = ImGui::GetItemRectMin().x + pad.x, right = ImGui::GetItemRectMax().x - pad.x;
  if (ImGui::IsItemHovered()) {
    const std::size_t bucket = latencySecondUnderMouse(left, right, values.size(), true);
    ImGui::SetTooltip("%s: %llu requests", LatencyModel::bucketLabel(bucket).c_str(),
                      static_cast<unsigned long long>(buckets[bucket]));
  }
  // The decade marks under the bars: 1-2-5 steps, so every third bound is a power of ten.
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float y = ImGui::GetCursorScreenPos().y;
  const float bar = (right - left) / static_cast<float>(values.size());
  for (std::size_t b = 0; b < LatencyModel::kBucketBounds.size(); b += 3) {
    const std::string label = durationText(LatencyModel::kBucketBounds[b]);
    const float x = left + bar * static_cast<float>(b + 1) - ImGui::CalcTextSize(label.c_str()).x * 0.5f;
    draw->AddText(ImVec2(std::max(x, left), y), ImGui::GetColorU32(ImGuiCol_TextDisabled), label.c_str());
  }
  ImGui::Dummy(ImVec2(1.0f, labelHeight));
}

}  // namespace gwdash
