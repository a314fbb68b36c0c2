#include "tools/gwdash/app/control_bar.h"

#include <algorithm>
#include <cstdio>

#include <imgui.h>

#include "tools/gwdash/panels/selection.h"

namespace gwdash {

namespace {

void barPause(ControlState& state) {
  state.player.playing = false;
  state.player.clearCarry();
}

void barDrawPlayback(SimSession& session, ControlState& state) {
  Player& player = state.player;
  if (ImGui::Button(player.playing ? "Pause" : "Play", ImVec2(64, 0))) {
    player.playing = !player.playing && !session.done();
    player.clearCarry();
  }
  ImGui::SameLine();
  if (ImGui::Button("Step event")) {
    barPause(state);
    if (!session.stepEvent()) state.message = "the run is over: no event left";
  }
  ImGui::SameLine();
  if (ImGui::Button("Step request")) {
    barPause(state);
    if (!session.stepRequest()) state.message = "no request completes before the end of the run";
  }
  ImGui::SameLine();
  if (ImGui::Button("Step second")) {
    barPause(state);
    session.stepSecond();
  }
  ImGui::SameLine();
  ImGui::TextUnformatted("  Speed");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(180);
  float speed = static_cast<float>(player.speed);
  if (ImGui::SliderFloat("##speed", &speed, static_cast<float>(Player::kMinSpeed), static_cast<float>(Player::kMaxSpeed),
                         "%.2fx real time", ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_AlwaysClamp)) {
    player.speed = speed;
  }
  ImGui::SameLine();
  ImGui::Checkbox("max", &player.max);
  ImGui::SameLine();
  if (player.playing) {
    ImGui::Text("  running at %.2fx%s (budget %llu events/frame)", player.actualSpeed(),
                player.behind() ? ", behind" : "", static_cast<unsigned long long>(player.budget()));
  } else {
    ImGui::TextDisabled("  paused");
  }
}

void barDrawJumpRow(SimSession& session, ControlState& state) {
  // Widgets first, texts that change length last, so no button moves under the pointer.
  const float duration = static_cast<float>(static_cast<double>(session.duration()) / 1e6);
  ImGui::TextUnformatted("Jump to");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(260);
  ImGui::SliderFloat("##jump", &state.jumpSeconds, 0.0f, duration, "%.1f s", ImGuiSliderFlags_AlwaysClamp);
  ImGui::SameLine();
  if (ImGui::Button("Jump")) {
    barPause(state);
    state.lastJump = session.jumpTo(static_cast<gateway::TimePoint>(static_cast<double>(state.jumpSeconds) * 1e6));
    state.message.clear();
  }
  ImGui::SameLine();
  ImGui::TextUnformatted("   Seed");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  ImGui::InputScalar("##seed", ImGuiDataType_U64, &state.seed);
  ImGui::SameLine();
  if (ImGui::Button("Restart")) {
    barPause(state);
    session.restart(state.seed);
    selection() = Selection{};
    state.lastJump.reset();
    state.message = "restarted with seed " + std::to_string(state.seed);
  }
  ImGui::SameLine();
  ImGui::TextUnformatted("  ");
  ImGui::SameLine();
  state.live.drawButtons(session, state.message);
  const auto& timeline = session.timeline();
  const bool later = std::any_of(timeline.begin(), timeline.end(),
                                 [&](const TimelineEntry& e) { return e.at > session.now(); });
  if (later) {
    ImGui::SameLine();
    if (ImGui::Button("Forget later changes")) {
      session.dropTimelineAfterNow();
      state.message = "live changes after now dropped: the next jump will not replay them";
    }
  }
  if (state.lastJump) {
    ImGui::SameLine();
    const ImVec4 colour = state.lastJump->exact() ? ImVec4(0.5f, 0.9f, 0.5f, 1) : ImVec4(1.0f, 0.4f, 0.3f, 1);
    ImGui::TextColored(colour, "  %s", describeJump(*state.lastJump).c_str());
  }
  if (!state.message.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(ImVec4(0.95f, 0.8f, 0.4f, 1), "  %s", state.message.c_str());
  }
}

// The run from 0 to its duration: played so far, the timeline's live entries, the jump target.
void barDrawRunTimeline(SimSession& session, ControlState& state) {
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float width = std::max(50.0f, ImGui::GetContentRegionAvail().x);
  const float height = 14.0f;
  const double duration = static_cast<double>(std::max<gateway::Duration>(1, session.duration()));
  auto xOf = [&](double t) { return origin.x + static_cast<float>(std::clamp(t / duration, 0.0, 1.0)) * width; };
  ImGui::InvisibleButton("##timeline", ImVec2(width, height));
  if (ImGui::IsItemActive()) {
    const float share = std::clamp((ImGui::GetIO().MousePos.x - origin.x) / width, 0.0f, 1.0f);
    state.jumpSeconds = share * static_cast<float>(duration / 1e6);
  }
  const float mid = origin.y + height * 0.5f;
  draw->AddRectFilled(ImVec2(origin.x, mid - 3), ImVec2(origin.x + width, mid + 3), IM_COL32(70, 70, 80, 255));
  draw->AddRectFilled(ImVec2(origin.x, mid - 3), ImVec2(xOf(static_cast<double>(session.now())), mid + 3),
                      IM_COL32(110, 190, 110, 255));
  for (const auto& entry : state.scheduled) {
    const float x = xOf(static_cast<double>(entry.at));
    draw->AddLine(ImVec2(x, origin.y), ImVec2(x, origin.y + height),
                  entry.kind == "fault" ? IM_COL32(230, 90, 70, 255) : IM_COL32(70, 140, 220, 255), 2.0f);
  }
  for (const auto& entry : session.timeline()) {
    const float x = xOf(static_cast<double>(entry.at));
    draw->AddLine(ImVec2(x, origin.y), ImVec2(x, origin.y + height),
                  entry.kind == "fault" ? IM_COL32(255, 140, 60, 255) : IM_COL32(90, 170, 240, 255), 2.0f);
  }
  const float target = xOf(static_cast<double>(state.jumpSeconds) * 1e6);
  draw->AddTriangleFilled(ImVec2(target - 5, origin.y + height), ImVec2(target + 5, origin.y + height),
                          ImVec2(target, origin.y + height - 7), IM_COL32(255, 255, 255, 200));
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Click or drag to choose the jump target");
}

}  // namespace

std::string describeJump(const JumpReport& report) {
  char text[200];
  std::snprintf(text, sizeof text, "re-ran %llu events in %.1f ms; %zu/%zu checkpoints identical",
                static_cast<unsigned long long>(report.events), report.wallMs, report.matched, report.compared);
  return text;
}

void drawControlBar(Source& source, ControlState& state) {
  SimSession* session = source.session();
  if (session == nullptr) {
    ImGui::Text("%s", source.context().title.c_str());
    ImGui::TextWrapped("%s", source.status().c_str());
    ImGui::TextDisabled("Attached to a live gatewayd: the panels follow its admin API; play, step and jump are for simulated runs.");
    return;
  }
  barDrawPlayback(*session, state);
  ImGui::SameLine();
  ImGui::TextUnformatted(("  " + source.status()).c_str());
  barDrawJumpRow(*session, state);
  barDrawRunTimeline(*session, state);
}

void handleShortcuts(Source& source, ControlState& state) {
  SimSession* session = source.session();
  const ImGuiIO& io = ImGui::GetIO();
  if (session == nullptr || io.WantTextInput) return;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Space), false)) {
    state.player.playing = !state.player.playing && !session->done();
    state.player.clearCarry();
  }
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_RightArrow))) {
    barPause(state);
    if (io.KeyShift) session->stepSecond();
    else session->stepRequest();
  }
}

}  // namespace gwdash
