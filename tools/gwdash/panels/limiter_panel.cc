#include "tools/gwdash/panels/limiter_panel.h"

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <imgui.h>

namespace gwdash {

namespace {

const ImVec4 kLimiterRed(0.95f, 0.30f, 0.25f, 1.0f);
const ImVec4 kLimiterGreen(0.35f, 0.80f, 0.40f, 1.0f);
const ImVec4 kLimiterDim(0.65f, 0.65f, 0.70f, 1.0f);

std::string limiterSeconds(gateway::Duration d) {
  return fmt::format("{:.1f} s", static_cast<double>(d) / static_cast<double>(gateway::kSecond));
}

// The last `count` per-second values as floats (PlotHistogram's input).
std::vector<float> limiterLastSeconds(const std::vector<std::int64_t>& perSecond, std::size_t count) {
  const std::size_t from = perSecond.size() > count ? perSecond.size() - count : 0;
  std::vector<float> out;
  out.reserve(perSecond.size() - from);
  for (std::size_t i = from; i < perSecond.size(); ++i) out.push_back(static_cast<float>(perSecond[i]));
  return out;
}

// The gauge now, in words.
std::string limiterStateText(const LabLane& lane) {
  const gateway::LimiterGauge& g = lane.last;
  std::string text = fmt::format("{} {:.1f} / {:g}\n{} more now", g.what, g.level, g.capacity, g.remaining);
  if (lane.algorithm == "sliding_counter") {
    text += fmt::format("\nprevious {:g}, current {:g}", g.previous, g.current);
  } else if (lane.algorithm == "sliding_log") {
    text += fmt::format("\n{:g} distinct times in the log", g.current);
  }
  if (g.windowEnd > g.windowStart) {
    text += fmt::format("\nwindow {} .. {}", limiterSeconds(g.windowStart), limiterSeconds(g.windowEnd));
  }
  if (g.resetAfter > 0) text += fmt::format("\nfresh again in {}", limiterSeconds(g.resetAfter));
  return text;
}

}  // namespace

void LimiterPanel::draw(gateway::TimePoint /*now*/) {
  drawHeader();
  if (model_.arrivals() == 0 && !model_.stores().empty()) {
    drawStores();
    return;
  }
  const std::vector<LabLane>& lanes = model_.lanes();
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchSame | ImGuiTableFlags_ScrollX;
  // The charts share the height the text leaves (up to 400 px: software GL pays for every
  // filled pixel): the gauge half, admitted and denied a quarter each.
  const float chartHeight = std::clamp(ImGui::GetContentRegionAvail().y - 170.0f, 180.0f, 400.0f);
  gaugeHeight_ = chartHeight * 0.5f;
  barsHeight_ = chartHeight * 0.25f;
  if (!lanes.empty() && ImGui::BeginTable("limiter_lanes", static_cast<int>(lanes.size()), flags)) {
    for (const LabLane& lane : lanes) ImGui::TableSetupColumn(lane.algorithm.c_str());
    ImGui::TableHeadersRow();
    ImGui::TableNextRow();
    for (const LabLane& lane : lanes) {
      ImGui::TableNextColumn();
      ImGui::PushID(lane.algorithm.c_str());
      drawLane(lane);
      ImGui::PopID();
    }
    ImGui::EndTable();
  }
  if (!model_.stores().empty() && ImGui::CollapsingHeader("The gateway's own rate_limits stores")) drawStores();
}

void LimiterPanel::drawHeader() {
  const LabReference& ref = model_.reference();
  bool over = false;
  for (const LabLane& lane : model_.lanes()) over = over || lane.maxInWindow > ref.limit;
  const std::string lesson = model_.lesson();
  ImGui::PushStyleColor(ImGuiCol_Text, over ? kLimiterRed : kLimiterGreen);
  ImGui::TextWrapped("%s", lesson.c_str());
  ImGui::PopStyleColor();
  if (model_.arrivals() == 0 && !model_.stores().empty()) return;
  const std::string line = fmt::format("Every algorithm gets the same traffic, one key per {}; the reference limit is {} per {}, from {}.",
                                       ref.oneKey ? "route" : "client", ref.limit, limiterSeconds(ref.window), ref.source);
  ImGui::PushStyleColor(ImGuiCol_Text, kLimiterDim);
  ImGui::TextWrapped("%s", line.c_str());
  ImGui::PopStyleColor();
  // The key the gauges follow: the hottest, or one picked here.
  const std::string preview = model_.watchedKey().empty() ? std::string("(hottest)") : model_.watchedKey();
  ImGui::SetNextItemWidth(240.0f);
  if (ImGui::BeginCombo("watched key", preview.c_str())) {
    if (ImGui::Selectable("(hottest)")) model_.watch(std::nullopt);
    // The first 500 keys met (a combo of thousands helps no one).
    for (std::size_t k = 0; k < std::min<std::size_t>(model_.keyCount(), 500); ++k) {
      const std::string& key = model_.keyName(k);
      const std::string item = fmt::format("{} ({} requests)", key, model_.keyArrivals(k));
      if (ImGui::Selectable(item.c_str(), key == model_.watchedKey())) model_.watch(key);
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(200.0f);
  ImGui::SliderInt("seconds shown", &shownSeconds_, 5, 600);
}

void LimiterPanel::drawLane(const LabLane& lane) {
  const float width = ImGui::GetContentRegionAvail().x;
  ImGui::PushStyleColor(ImGuiCol_Text, kLimiterDim);
  ImGui::TextWrapped("%s", lane.parameters.c_str());
  ImGui::PopStyleColor();

  // The gauge over the last kShownSeconds (10 ticks a second), on the capacity's scale.
  const std::size_t shown = static_cast<std::size_t>(std::max(shownSeconds_, 1)) * 10;
  const std::size_t from = lane.level.size() > shown ? lane.level.size() - shown : 0;
  const std::string overlay = fmt::format("{} {:.1f}", lane.last.what, lane.last.level);
  const float top = std::max(static_cast<float>(lane.last.capacity), 1.0f);
  ImGui::PlotLines("##gauge", lane.level.data() + from, static_cast<int>(lane.level.size() - from), 0, overlay.c_str(),
                   0.0f, top * 1.05f, ImVec2(width, gaugeHeight_));

  // Admitted (green) and denied (red) per second, on one scale.
  const std::vector<float> admitted = limiterLastSeconds(lane.admitted, static_cast<std::size_t>(std::max(shownSeconds_, 1)));
  const std::vector<float> denied = limiterLastSeconds(lane.denied, static_cast<std::size_t>(std::max(shownSeconds_, 1)));
  float peak = 1.0f;
  for (const float v : admitted) peak = std::max(peak, v);
  for (const float v : denied) peak = std::max(peak, v);
  const std::string admittedText = fmt::format("admitted/s (total {})", lane.totalAdmitted);
  const std::string deniedText = fmt::format("denied/s (total {})", lane.totalDenied);
  ImGui::PushStyleColor(ImGuiCol_PlotHistogram, kLimiterGreen);
  ImGui::PlotHistogram("##admitted", admitted.data(), static_cast<int>(admitted.size()), 0, admittedText.c_str(), 0.0f,
                       peak, ImVec2(width, barsHeight_));
  ImGui::PopStyleColor();
  ImGui::PushStyleColor(ImGuiCol_PlotHistogram, kLimiterRed);
  ImGui::PlotHistogram("##denied", denied.data(), static_cast<int>(denied.size()), 0, deniedText.c_str(), 0.0f, peak,
                       ImVec2(width, barsHeight_));
  ImGui::PopStyleColor();

  const std::string state = limiterStateText(lane);
  ImGui::TextUnformatted(state.c_str());

  // The most one key got through in any window of the reference length, against the limit.
  const LabReference& ref = model_.reference();
  const bool over = lane.maxInWindow > ref.limit;
  const std::string most = fmt::format("max in {}: {} / {}{}", limiterSeconds(ref.window), lane.maxInWindow, ref.limit,
                                       over ? fmt::format(" ({:.2f}x at {})",
                                                          static_cast<double>(lane.maxInWindow) / static_cast<double>(ref.limit),
                                                          limiterSeconds(lane.maxAt))
                                            : std::string());
  ImGui::PushStyleColor(ImGuiCol_Text, over ? kLimiterRed : kLimiterGreen);
  ImGui::TextWrapped("%s", most.c_str());
  ImGui::PopStyleColor();
}

void LimiterPanel::drawStores() {
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("limiter_stores", 4, flags)) return;
  ImGui::TableSetupColumn("store");
  ImGui::TableSetupColumn("keys");
  ImGui::TableSetupColumn("allowed/s");
  ImGui::TableSetupColumn("denied/s");
  ImGui::TableHeadersRow();
  for (const LabStore& store : model_.stores()) {
    ImGui::TableNextRow();
    ImGui::PushID(store.id.c_str());
    ImGui::TableNextColumn();
    const std::string id = fmt::format("{}\n{}", store.id, store.algorithm);
    ImGui::TextUnformatted(id.c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(fmt::format("{}", store.keys).c_str());
    float peak = 1.0f;
    for (const float v : store.allowedRate) peak = std::max(peak, v);
    for (const float v : store.deniedRate) peak = std::max(peak, v);
    ImGui::TableNextColumn();
    const std::string allowed = fmt::format("{} in all", store.allowed);
    ImGui::PushStyleColor(ImGuiCol_PlotLines, kLimiterGreen);
    ImGui::PlotLines("##allowed", store.allowedRate.data(), static_cast<int>(store.allowedRate.size()), 0,
                     allowed.c_str(), 0.0f, peak, ImVec2(std::max(ImGui::GetContentRegionAvail().x, 120.0f), 60.0f));
    ImGui::PopStyleColor();
    ImGui::TableNextColumn();
    const std::string denied = fmt::format("{} in all", store.denied);
    ImGui::PushStyleColor(ImGuiCol_PlotLines, kLimiterRed);
    ImGui::PlotLines("##denied", store.deniedRate.data(), static_cast<int>(store.deniedRate.size()), 0, denied.c_str(),
                     0.0f, peak, ImVec2(std::max(ImGui::GetContentRegionAvail().x, 120.0f), 60.0f));
    ImGui::PopStyleColor();
    ImGui::PopID();
  }
  ImGui::EndTable();
}

}  // namespace gwdash
