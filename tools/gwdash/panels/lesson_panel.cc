#include "tools/gwdash/panels/lesson_panel.h"

#include <algorithm>
#include <cstdio>

#include <imgui.h>

#include "sim/scenario/scenario.h"

namespace gwdash {

namespace {

const ImVec4 kLessonPast(0.95f, 0.80f, 0.35f, 1.0f);
const ImVec4 kLessonFuture(0.55f, 0.55f, 0.60f, 1.0f);
const ImU32 kLessonFaultColour = IM_COL32(230, 90, 70, 255);
const ImU32 kLessonChangeColour = IM_COL32(90, 170, 240, 255);

std::string lessonSeconds(gateway::TimePoint t) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(t) / 1e6);
  return text;
}

// A greyed note, wrapped to the column.
void lessonNote(const char* text) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("%s", text);
  ImGui::PopStyleColor();
}

}  // namespace

std::vector<TimelineEntry> scheduledEntries(const gwsim::Scenario& scenario) {
  std::vector<TimelineEntry> out;
  for (const auto& fault : scenario.faults) out.push_back({fault.at, "fault", fault.describe()});
  for (const auto& change : scenario.changes) {
    std::string text = change.describe();
    if (!change.note.empty()) text += " (" + change.note + ")";
    out.push_back({change.at, "change", std::move(text)});
  }
  std::stable_sort(out.begin(), out.end(), [](const TimelineEntry& a, const TimelineEntry& b) { return a.at < b.at; });
  return out;
}

void LessonPanel::reset(const DashboardContext& context) {
  title_ = context.title;
  lesson_ = context.lesson;
  reloads_.clear();
  lastNow_ = 0;
  if (context.scenario != nullptr) {
    duration_ = context.scenario->duration;
    if (!scheduleGiven_) scheduled_ = scheduledEntries(*context.scenario);
  } else {
    duration_ = 0;
    if (!scheduleGiven_) scheduled_.clear();
  }
}

void LessonPanel::onConfig(const DashboardContext& context) {
  if (context.scenario == nullptr) reloads_.push_back({lastNow_, "change", "config reloaded"});
}

std::vector<TimelineEntry> LessonPanel::entries() const {
  std::vector<TimelineEntry> all = scheduled_;
  if (live_ != nullptr) all.insert(all.end(), live_->begin(), live_->end());
  all.insert(all.end(), reloads_.begin(), reloads_.end());
  std::stable_sort(all.begin(), all.end(), [](const TimelineEntry& a, const TimelineEntry& b) { return a.at < b.at; });
  return all;
}

void LessonPanel::drawTimelineBar(gateway::TimePoint now, const std::vector<TimelineEntry>& all) {
  if (duration_ <= 0) return;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float width = std::max(40.0f, ImGui::GetContentRegionAvail().x);
  const float height = 18.0f;
  const float mid = origin.y + height * 0.5f;
  auto xOf = [&](gateway::TimePoint t) {
    const double share = std::clamp(static_cast<double>(t) / static_cast<double>(duration_), 0.0, 1.0);
    return origin.x + static_cast<float>(share) * width;
  };
  draw->AddRectFilled(ImVec2(origin.x, mid - 3), ImVec2(origin.x + width, mid + 3), IM_COL32(70, 70, 80, 255), 2.0f);
  draw->AddRectFilled(ImVec2(origin.x, mid - 3), ImVec2(xOf(now), mid + 3), IM_COL32(120, 200, 120, 255), 2.0f);
  for (const auto& entry : all) {
    const float x = xOf(entry.at);
    draw->AddLine(ImVec2(x, origin.y), ImVec2(x, origin.y + height),
                  entry.kind == "fault" ? kLessonFaultColour : kLessonChangeColour, 2.0f);
  }
  const float nowX = xOf(now);
  draw->AddTriangleFilled(ImVec2(nowX - 5, origin.y), ImVec2(nowX + 5, origin.y), ImVec2(nowX, origin.y + 7),
                          IM_COL32(255, 255, 255, 255));
  ImGui::Dummy(ImVec2(width, height));
  ImGui::TextDisabled("0 s");
  const std::string end = lessonSeconds(duration_);
  ImGui::SameLine(std::max(0.0f, width - ImGui::CalcTextSize(end.c_str()).x));
  ImGui::TextDisabled("%s", end.c_str());
}

void LessonPanel::draw(gateway::TimePoint now) {
  lastNow_ = now;
  ImGui::TextColored(kLessonPast, "%s", title_.c_str());
  ImGui::Separator();
  if (lesson_.empty()) {
    lessonNote("(the scenario has no description)");
  } else {
    ImGui::TextWrapped("%s", lesson_.c_str());
  }
  ImGui::Spacing();
  ImGui::Separator();
  const std::vector<TimelineEntry> all = entries();
  ImGui::Text("Timeline (t = %s)", lessonSeconds(now).c_str());
  drawTimelineBar(now, all);
  if (all.empty()) {
    lessonNote(duration_ > 0 ? "No faults or config changes: inject one with the Faults or Policies buttons."
                             : "No config reloads seen yet.");
    return;
  }
  const bool liveMode = live_ != nullptr;
  if (ImGui::BeginTable("lesson_timeline", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
    ImGui::TableSetupColumn("at", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableSetupColumn("what", ImGuiTableColumnFlags_WidthStretch);
    for (const auto& entry : all) {
      const bool past = entry.at <= now;
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextColored(past ? kLessonPast : kLessonFuture, "%s", lessonSeconds(entry.at).c_str());
      ImGui::TableNextColumn();
      const ImVec4 colour = past ? ImVec4(1, 1, 1, 1) : kLessonFuture;
      ImGui::PushStyleColor(ImGuiCol_Text, colour);
      ImGui::TextWrapped("%s %s", entry.kind == "fault" ? "[fault]" : "[change]", entry.description.c_str());
      ImGui::PopStyleColor();
    }
    ImGui::EndTable();
  }
  if (liveMode && live_->empty()) lessonNote("Live changes you make are added here and replayed by a jump.");
}

}  // namespace gwdash
