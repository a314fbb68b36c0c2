#include "tools/gwdash/panels/inspector_panel.h"

#include <algorithm>
#include <cstring>
#include <string>

#include <imgui.h>

#include "tools/gwdash/panels/selection.h"
#include "tools/gwdash/panels/traffic_colours.h"

namespace gwdash {

namespace {

const ImU32 kInspectorPassedColour = IM_COL32(110, 180, 120, 255);
const ImU32 kInspectorUnreachedColour = IM_COL32(110, 110, 120, 255);
const ImU32 kInspectorUpstreamColour = IM_COL32(110, 170, 240, 255);
const ImU32 kInspectorSelectedSecond = IM_COL32(250, 230, 90, 40);

}  // namespace

void InspectorPanel::reset(const DashboardContext& context) {
  model_.reset(context);
  follow_ = true;
  shownTime_.reset();
  scrollToRow_.reset();
}

void InspectorPanel::draw(gateway::TimePoint) {
  drawFilters();
  if (selection().time != shownTime_) {  // a time picked on the latency chart
    shownTime_ = selection().time;
    if (shownTime_) {
      scrollToRow_ = model_.rowNear(*shownTime_);
      if (scrollToRow_) follow_ = false;
    }
  }
  const RequestRecord* picked = selection().requestId ? model_.find(*selection().requestId) : nullptr;
  const float avail = ImGui::GetContentRegionAvail().y;
  drawTable(std::max(60.0f, picked ? avail * 0.45f : avail - 2.0f * ImGui::GetTextLineHeightWithSpacing()));
  if (picked) {
    drawJourney(*picked);
  } else if (selection().requestId) {
    ImGui::TextDisabled("Request #%llu is no longer held (the inspector keeps the last %zu).",
                        static_cast<unsigned long long>(*selection().requestId), model_.capacity());
  } else {
    ImGui::TextDisabled("Pick a request (a row, or a second on the latency chart) to see why it ended as it did.");
  }
}

void InspectorPanel::drawFilters() {
  bool changed = false;
  const float field = ImGui::CalcTextSize("0000000").x;
  ImGui::SetNextItemWidth(field);
  changed |= ImGui::InputTextWithHint("##inspector_status", "status", status_.data(), status_.size());
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("A class (2xx, 4xx, 5xx) or one status (429)");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(field * 2.0f);
  if (ImGui::BeginCombo("##inspector_route", route_.empty() ? "any route" : route_.c_str())) {
    if (ImGui::Selectable("any route", route_.empty())) {
      route_.clear();
      changed = true;
    }
    for (const std::string& route : model_.routes()) {
      if (ImGui::Selectable(route == "-" ? "- (no route)" : route.c_str(), route_ == route)) {
        route_ = route;
        changed = true;
      }
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(field * 2.0f);
  changed |= ImGui::InputTextWithHint("##inspector_outcome", "outcome", outcome_.data(), outcome_.size());
  ImGui::SameLine();
  ImGui::Checkbox("follow", &follow_);
  if (changed) model_.setFilter({status_.data(), route_, outcome_.data()});
  const std::string error = model_.filter().error();
  if (!error.empty()) {
    ImGui::TextColored(ImVec4(0.95f, 0.4f, 0.35f, 1.0f), "%s", error.c_str());
  } else {
    ImGui::TextDisabled("%zu shown of the last %zu requests (%llu completed)", model_.visible().size(), model_.size(),
                        static_cast<unsigned long long>(model_.total()));
  }
}

void InspectorPanel::drawTable(float height) {
  const std::vector<std::size_t>& rows = model_.visible();
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersOuter | ImGuiTableFlags_BordersV |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("##inspector_requests", 6, flags, ImVec2(0.0f, height))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("ended", ImGuiTableColumnFlags_None, 1.0f);
  ImGui::TableSetupColumn("route", ImGuiTableColumnFlags_None, 1.2f);
  ImGui::TableSetupColumn("consumer", ImGuiTableColumnFlags_None, 1.2f);
  ImGui::TableSetupColumn("status", ImGuiTableColumnFlags_None, 0.6f);
  ImGui::TableSetupColumn("outcome", ImGuiTableColumnFlags_None, 1.8f);
  ImGui::TableSetupColumn("latency", ImGuiTableColumnFlags_None, 1.0f);
  ImGui::TableHeadersRow();
  const bool atBottom = ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 1.0f;
  const std::int64_t selectedSecond = selection().time ? *selection().time / gateway::kSecond : -1;

  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(rows.size()));
  if (scrollToRow_) {
    const int row = static_cast<int>(*scrollToRow_);
    clipper.ForceDisplayRangeByIndices(row, row + 1);
  }
  while (clipper.Step()) {
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      const RequestRecord& r = model_.at(rows[static_cast<std::size_t>(row)]);
      ImGui::TableNextRow();
      if (r.end / gateway::kSecond == selectedSecond) {
        ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, kInspectorSelectedSecond);
      }
      ImGui::TableSetColumnIndex(0);
      ImGui::PushID(row);
      const std::string ended = timeText(r.end);
      if (ImGui::Selectable(ended.c_str(), selection().requestId == r.id, ImGuiSelectableFlags_SpanAllColumns)) {
        selection().requestId = r.id;
        follow_ = false;
      }
      ImGui::PopID();
      if (scrollToRow_ && static_cast<std::size_t>(row) == *scrollToRow_) {
        ImGui::SetScrollHereY(0.5f);
        scrollToRow_.reset();
      }
      ImGui::TableSetColumnIndex(1);
      ImGui::TextUnformatted(r.route.empty() ? "-" : r.route.c_str());
      ImGui::TableSetColumnIndex(2);
      ImGui::TextUnformatted(r.consumer.empty() ? "anonymous" : r.consumer.c_str());
      ImGui::TableSetColumnIndex(3);
      ImGui::TextColored(statusClassTextColour(statusClassOf(r.status)), "%d", r.status);
      ImGui::TableSetColumnIndex(4);
      ImGui::TextUnformatted(r.outcome.c_str());
      ImGui::TableSetColumnIndex(5);
      ImGui::TextUnformatted(durationText(r.latency()).c_str());
    }
  }
  if (follow_ && atBottom && !scrollToRow_) ImGui::SetScrollHereY(1.0f);
  ImGui::EndTable();
}

void InspectorPanel::drawJourney(const RequestRecord& r) {
  ImGui::Text("#%llu  %s %s  ->  %d in %s", static_cast<unsigned long long>(r.id), r.method.c_str(), r.target.c_str(),
              r.status, durationText(r.latency()).c_str());
  ImGui::SameLine();
  if (ImGui::SmallButton("copy")) ImGui::SetClipboardText(journeyText(r).c_str());

  // The request's time: the latest try to the service (blue) within the whole (grey).
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 bar = ImGui::GetCursorScreenPos();
  const float width = std::max(ImGui::GetContentRegionAvail().x, 10.0f);
  const float barHeight = 6.0f;
  draw->AddRectFilled(bar, ImVec2(bar.x + width, bar.y + barHeight), kInspectorUnreachedColour, 2.0f);
  if (r.latency() > 0 && r.upstream > 0) {
    const float share = std::clamp(static_cast<float>(r.upstream) / static_cast<float>(r.latency()), 0.0f, 1.0f);
    draw->AddRectFilled(ImVec2(bar.x + width * (1.0f - share), bar.y), ImVec2(bar.x + width, bar.y + barHeight),
                        kInspectorUpstreamColour, 2.0f);
  }
  ImGui::Dummy(ImVec2(width, barHeight + 2.0f));

  if (!ImGui::BeginChild("##inspector_journey")) {
    ImGui::EndChild();
    return;
  }
  const float lineHeight = ImGui::GetTextLineHeight();
  const float radius = lineHeight * 0.3f;
  const ImU32 decided = statusClassColour(statusClassOf(r.status));
  float previousY = -1.0f;
  ImDrawList* journey = ImGui::GetWindowDrawList();
  for (const JourneyStep& step : journeyOf(r)) {
    const ImVec2 at = ImGui::GetCursorScreenPos();
    const ImVec2 centre(at.x + radius + 2.0f, at.y + lineHeight * 0.5f);
    if (previousY >= 0.0f) {
      journey->AddLine(ImVec2(centre.x, previousY + radius), ImVec2(centre.x, centre.y - radius), kInspectorUnreachedColour,
                       1.5f);
    }
    const ImU32 colour = !step.reached ? kInspectorUnreachedColour : step.decisive ? decided : kInspectorPassedColour;
    if (step.reached) {
      journey->AddCircleFilled(centre, step.decisive ? radius * 1.4f : radius, colour);
    } else {
      journey->AddCircle(centre, radius, colour);
    }
    previousY = centre.y;
    ImGui::Indent(radius * 2.0f + 10.0f);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(colour), "%s", step.stage.c_str());
    ImGui::SameLine();
    if (step.reached) {
      ImGui::TextWrapped("%s%s", step.verdict.c_str(), step.decisive ? "   (decided the answer)" : "");
    } else {
      ImGui::TextDisabled("%s", step.verdict.c_str());
    }
    if (!step.detail.empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
      ImGui::TextWrapped("%s", step.detail.c_str());
      ImGui::PopStyleColor();
    }
    ImGui::Unindent(radius * 2.0f + 10.0f);
  }
  ImGui::EndChild();
}

}  // namespace gwdash
