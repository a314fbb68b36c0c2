#include "tools/gwdash/app/dashboard.h"

#include <cstdio>

#include <imgui.h>

#include "tools/gwdash/panels/lesson_panel.h"

namespace gwdash {

namespace {

constexpr ImGuiWindowFlags kDashFixedWindow = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                                          ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings |
                                          ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoBackground;

void dashPlaceNext(const Rect& r) {
  ImGui::SetNextWindowPos(ImVec2(r.x, r.y), ImGuiCond_Always);
  ImGui::SetNextWindowSize(ImVec2(r.w, r.h), ImGuiCond_Always);
}

}  // namespace

Dashboard::Dashboard(std::unique_ptr<Source> source, std::vector<std::unique_ptr<Panel>> panels, bool singlePanel)
    : source_(std::move(source)), panels_(std::move(panels)), single_(singlePanel) {
  SimSession* session = source_->session();
  if (session != nullptr) {
    controls_.scheduled = scheduledEntries(session->scenario());
    controls_.seed = session->seed();
    controls_.jumpSeconds = static_cast<float>(static_cast<double>(session->now()) / 1e6);
  }
  for (auto& panel : panels_) {
    if (auto* lesson = dynamic_cast<LessonPanel*>(panel.get()); lesson != nullptr && session != nullptr) {
      lesson->setTimeline(controls_.scheduled, &session->timeline());
    }
    source_->addListener(panel.get());
  }
}

std::string Dashboard::caption() const {
  char text[64];
  std::snprintf(text, sizeof text, " at t = %.3f s", static_cast<double>(source_->now()) / 1e6);
  return source_->context().title + text;
}

void Dashboard::frame(double wallSeconds, float width, float height) {
  handleShortcuts(*source_, controls_);
  if (SimSession* session = source_->session()) controls_.player.frame(*session, wallSeconds);
  source_->poll();

  std::vector<std::string> names;
  for (const auto& panel : panels_) names.emplace_back(panel->name());
  const bool single = single_ && panels_.size() == 1;
  layout_ = computeLayout(width, height, names, !single);

  if (layout_.controls.w > 0) {
    dashPlaceNext(layout_.controls);
    ImGui::Begin("gwdash controls", nullptr, kDashFixedWindow | ImGuiWindowFlags_NoTitleBar);
    drawControlBar(*source_, controls_);
    ImGui::End();
  }
  const gateway::TimePoint now = source_->now();
  for (const auto& placed : layout_.panels) {
    Panel* panel = nullptr;
    for (auto& p : panels_) {
      if (p->name() == placed.name) panel = p.get();
    }
    if (panel == nullptr) continue;
    dashPlaceNext(placed.rect);
    std::string title(panel->title());
    if (single) title += " - " + caption();
    title += "###" + placed.name;
    ImGui::Begin(title.c_str(), nullptr, kDashFixedWindow);
    panel->draw(now);
    ImGui::End();
  }
}

}  // namespace gwdash
