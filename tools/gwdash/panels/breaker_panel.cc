#include "tools/gwdash/panels/breaker_panel.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <imgui.h>

#include "tools/gwdash/panels/policy_draw.h"

namespace gwdash {

namespace {

namespace pd = policydraw;

double breakerSeconds(gateway::TimePoint t) { return static_cast<double>(t) / gateway::kSecond; }

// A node of the state machine, lit when it is the current state.
void breakerNode(ImDrawList* draw, ImVec2 c, float r, const char* text, const std::string& state, bool lit) {
  if (lit) {
    draw->AddCircleFilled(c, r + 4, pd::breakerColour(state, 70), 40);
    draw->AddCircleFilled(c, r, pd::breakerColour(state), 40);
  } else {
    draw->AddCircleFilled(c, r, IM_COL32(45, 48, 56, 255), 40);
  }
  draw->AddCircle(c, r, lit ? IM_COL32(255, 255, 255, 255) : pd::breakerColour(state, 150), 40, lit ? 2.0f : 1.0f);
  pd::centredText(draw, c, text, lit ? IM_COL32(255, 255, 255, 255) : pd::grey(160));
}

// An arrow between two nodes' rims, `offset` pixels to the side of the centre line.
void breakerLink(ImDrawList* draw, ImVec2 a, ImVec2 b, float r, float offset, const std::string& text, bool taken) {
  const float dx = b.x - a.x, dy = b.y - a.y;
  const float len = std::sqrt(dx * dx + dy * dy);
  const float ux = dx / len, uy = dy / len;
  const ImVec2 side(-uy * offset, ux * offset);
  const ImVec2 from(a.x + ux * (r + 3) + side.x, a.y + uy * (r + 3) + side.y);
  const ImVec2 to(b.x - ux * (r + 3) + side.x, b.y - uy * (r + 3) + side.y);
  const ImU32 colour = taken ? IM_COL32(240, 240, 240, 255) : pd::grey(120);
  pd::arrow(draw, from, to, colour, taken ? 2.0f : 1.2f);
  const ImVec2 textSize = ImGui::CalcTextSize(text.c_str());
  const ImVec2 normal(side.x / std::abs(offset), side.y / std::abs(offset));
  const float away = 0.5f * (std::abs(normal.x) * textSize.x + std::abs(normal.y) * textSize.y) + 3.0f;
  const ImVec2 mid((from.x + to.x) / 2 + normal.x * away, (from.y + to.y) / 2 + normal.y * away);
  pd::label(draw, mid, text, taken ? IM_COL32(240, 240, 240, 255) : pd::grey(170));
}

std::string breakerUpper(const std::string& state) {
  if (state == "half_open") return "HALF-OPEN";
  std::string out = state;
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

void BreakerPanel::draw(gateway::TimePoint /*now*/) {
  if (model_.breakers().empty()) {
    ImGui::TextWrapped("No service of this config has a circuit breaker.");
    return;
  }
  for (const auto& [service, view] : model_.breakers()) {
    ImGui::PushID(service.c_str());
    if (ImGui::CollapsingHeader(fmt::format("{}: {}###breaker", service, breakerUpper(view.state)).c_str(),
                                ImGuiTreeNodeFlags_DefaultOpen)) {
      drawBreaker(view);
    }
    ImGui::PopID();
  }
}

void BreakerPanel::drawBreaker(const BreakerView& v) {
  // The state machine; the last transition's arrow is drawn bright.
  const float lineH = ImGui::GetTextLineHeight();
  const ImVec2 size(280, 165);
  const ImVec2 o = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("##machine", size);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const float r = 29;
  const ImVec2 closed(o.x + 45, o.y + 40), open(o.x + size.x - 45, o.y + 40), half(o.x + size.x / 2, o.y + size.y - 36);
  const BreakerTransitionMark* last = v.history.empty() ? nullptr : &v.history.back();
  auto taken = [&](const char* from, const char* to) { return last && last->from == from && last->to == to; };
  const std::string trip = v.consecutive() ? fmt::format("> {} in a row", v.maxErrors) : fmt::format(">= {:g}%", v.failureRateThreshold);
  breakerLink(draw, closed, open, r, -6, trip, taken("closed", "open"));
  breakerLink(draw, open, half, r, -6, fmt::format("after {} ms", v.config.is_object() ? v.config.value("open_ms", 0) : 0), taken("open", "half_open"));
  breakerLink(draw, half, open, r, -6, "trial fails", taken("half_open", "open"));
  breakerLink(draw, half, closed, r, -6, "trials pass", taken("half_open", "closed"));
  breakerNode(draw, closed, r, "CLOSED", "closed", v.state == "closed");
  breakerNode(draw, open, r, "OPEN", "open", v.state == "open");
  breakerNode(draw, half, r, "HALF-\nOPEN", "half_open", v.state == "half_open");

  ImGui::SameLine();
  ImGui::BeginGroup();
  ImGui::PushTextWrapPos(0.0f);
  ImGui::Text("mode %s", v.mode.c_str());
  ImGui::TextColored(ImColor(pd::breakerColour(v.state)), "%s since %.2f s", breakerUpper(v.state).c_str(), breakerSeconds(v.since));
  if (v.openUntil) ImGui::Text("open until %.2f s", breakerSeconds(*v.openUntil));
  if (!v.samples.empty()) {
    const BreakerSample& s = v.samples.back().value;
    if (v.consecutive()) {
      ImGui::TextWrapped("%llu failure(s) in a row (opens above %llu)", static_cast<unsigned long long>(s.failures),
                  static_cast<unsigned long long>(v.maxErrors));
    } else {
      ImGui::TextWrapped("window: %llu calls, %llu failed, %llu slow", static_cast<unsigned long long>(s.calls),
                  static_cast<unsigned long long>(s.failures), static_cast<unsigned long long>(s.slow));
      ImGui::TextWrapped("failure rate %s (threshold %g%%, judged from %llu calls)",
                  s.failureRate ? fmt::format("{:.1f}%", *s.failureRate).c_str() : "-", v.failureRateThreshold,
                  static_cast<unsigned long long>(v.minimumCalls));
    }
    ImGui::TextWrapped("rejected %llu, trials in flight %llu, transitions %llu", static_cast<unsigned long long>(s.rejected),
                static_cast<unsigned long long>(v.trialsInFlight), static_cast<unsigned long long>(v.transitions));
  }
  ImGui::PopTextWrapPos();
  ImGui::EndGroup();
  ImGui::SetCursorScreenPos(ImVec2(o.x, std::max(o.y + size.y, ImGui::GetItemRectMax().y) + 4));

  if (v.samples.empty()) {
    ImGui::TextDisabled("no snapshot yet");
    return;
  }
  // The rate (or the count) against the threshold, one point per snapshot.
  const auto& samples = v.samples.samples();
  std::vector<float> rate, slow;
  float peak = 1;
  for (const auto& s : samples) {
    if (v.consecutive()) {
      rate.push_back(static_cast<float>(s.value.failures));
      peak = std::max(peak, rate.back());
    } else {
      rate.push_back(static_cast<float>(s.value.failureRate.value_or(0)));
      slow.push_back(static_cast<float>(s.value.slowCallRate.value_or(0)));
    }
  }
  const float top = v.consecutive() ? std::max(peak, static_cast<float>(v.maxErrors) + 1) * 1.1f : 100.0f;
  const std::string overlay = v.consecutive() ? fmt::format("failures in a row (max_errors {})", v.maxErrors)
                                              : fmt::format("failure rate % (threshold {:g}%)", v.failureRateThreshold);
  const pd::PlotRect plot = pd::plotWithLine("##rate", rate, 0.0f, top, 70.0f, overlay, static_cast<float>(v.threshold()));
  // The slow-call chart when slow calls can matter: a threshold under 100%, or any seen.
  const bool anySlow = std::any_of(slow.begin(), slow.end(), [](float x) { return x > 0; });
  if (v.slowCallRateThreshold && !slow.empty() && (*v.slowCallRateThreshold < 100 || anySlow)) {
    pd::plotWithLine("##slow", slow, 0.0f, 100.0f, 40.0f, fmt::format("slow-call rate % (threshold {:g}%)", *v.slowCallRateThreshold),
                     static_cast<float>(*v.slowCallRateThreshold), IM_COL32(255, 160, 60, 255));
  }

  // The state strip and the transitions on the same time axis as the chart.
  const gateway::TimePoint t0 = samples.front().at, t1 = std::max(samples.back().at, t0 + 1);
  const float x0 = plot.min.x, x1 = plot.max.x;
  auto xOf = [&](gateway::TimePoint t) {
    return x0 + (x1 - x0) * static_cast<float>(static_cast<double>(t - t0) / static_cast<double>(t1 - t0));
  };
  const ImVec2 strip = ImGui::GetCursorScreenPos();
  const float stripH = 10, axisH = 22;
  ImGui::InvisibleButton("##timeline", ImVec2(x1 - x0, stripH + axisH + lineH));
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const float a = xOf(samples[i].at), b = i + 1 < samples.size() ? xOf(samples[i + 1].at) : x1;
    draw->AddRectFilled(ImVec2(a, strip.y), ImVec2(std::max(b, a + 1), strip.y + stripH), pd::breakerColour(samples[i].value.state, 200));
  }
  const float axisY = strip.y + stripH + axisH / 2;
  draw->AddLine(ImVec2(x0, axisY), ImVec2(x1, axisY), pd::grey(120));
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  const BreakerTransitionMark* hovered = nullptr;
  for (const auto& t : v.history) {
    if (t.at < t0 || t.at > t1) continue;
    const float x = xOf(t.at);
    draw->AddTriangleFilled(ImVec2(x, axisY - 7), ImVec2(x - 5, axisY + 6), ImVec2(x + 5, axisY + 6), pd::breakerColour(t.to));
    if (ImGui::IsItemHovered() && std::abs(mouse.x - x) <= 5 && std::abs(mouse.y - axisY) <= 9) hovered = &t;
  }
  draw->AddText(ImVec2(x0, axisY + 8), pd::grey(160), fmt::format("{:.1f} s", breakerSeconds(t0)).c_str());
  const std::string end = fmt::format("{:.1f} s", breakerSeconds(t1));
  draw->AddText(ImVec2(x1 - ImGui::CalcTextSize(end.c_str()).x, axisY + 8), pd::grey(160), end.c_str());
  if (hovered) {
    ImGui::SetTooltip("#%llu at %.3f s: %s -> %s\n%s", static_cast<unsigned long long>(hovered->number),
                      breakerSeconds(hovered->at), hovered->from.c_str(), hovered->to.c_str(), hovered->reason.c_str());
  }
  // The latest transitions in words.
  const std::size_t shown = std::min<std::size_t>(v.history.size(), 4);
  for (std::size_t i = v.history.size() - shown; i < v.history.size(); ++i) {
    const BreakerTransitionMark& t = v.history[i];
    ImGui::TextColored(ImColor(pd::breakerColour(t.to)), "%8.2f s  %s -> %s", breakerSeconds(t.at), t.from.c_str(), t.to.c_str());
    ImGui::SameLine();
    ImGui::TextWrapped("%s", t.reason.c_str());
  }
}

}  // namespace gwdash
