#include "tools/gwdash/panels/topology_panel.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <imgui.h>

#include "tools/gwdash/panels/policy_draw.h"

namespace gwdash {

namespace {

namespace pd = policydraw;

struct TopoStageBox {
  const char* stage;
  const char* text;
};
constexpr TopoStageBox kTopoStages[] = {
    {"auth", "auth"}, {"rate_limit", "limit"}, {"transform", "xform"}, {"cache", "cache"}, {"aggregate", "agg"}};

std::string topoBreakerText(const std::string& state) {
  if (state == "half_open") return "HALF-OPEN";
  std::string out = state;
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool topoHovered(ImVec2 min, ImVec2 max) { return ImGui::IsItemHovered() && ImGui::IsMouseHoveringRect(min, max); }

void topoEdge(ImDrawList* draw, ImVec2 from, ImVec2 to, const TrafficFlow& flow, bool withLabel) {
  const bool idle = flow.requests == 0;
  const ImU32 colour = idle ? pd::grey(90) : pd::errorColour(flow.errorShare(), 220);
  const float thickness = idle ? 1.0f : 1.0f + static_cast<float>(std::log1p(flow.rate)) * 0.6f;
  const float bend = (to.x - from.x) * 0.45f;
  draw->AddBezierCubic(from, ImVec2(from.x + bend, from.y), ImVec2(to.x - bend, to.y), to, colour, thickness);
  if (withLabel && !idle) {
    pd::label(draw, ImVec2((from.x + to.x) / 2, (from.y + to.y) / 2), pd::rateText(flow.rate, flow.errorShare()),
              pd::errorColour(flow.errorShare()));
  }
}

}  // namespace

void TopologyPanel::draw(gateway::TimePoint /*now*/) {
  const TopologyModel& m = model_;
  ImGui::Text("t = %.1f s   gateway: %s", static_cast<double>(m.now()) / gateway::kSecond,
              pd::rateText(m.gateway().rate, m.gateway().errorShare()).c_str());
  if (m.unrouted().requests > 0) {
    ImGui::SameLine();
    ImGui::TextDisabled("(no route: %s)", pd::rateText(m.unrouted().rate, 0).c_str());
  }
  const float lineH = ImGui::GetTextLineHeight();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float sparkH = 48.0f;
  const float w = std::max(avail.x, 400.0f);
  const float h = std::max(avail.y - sparkH - ImGui::GetStyle().ItemSpacing.y * 2, 180.0f);
  const ImVec2 o = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("##topology_canvas", ImVec2(w, h));
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->PushClipRect(o, ImVec2(o.x + w, o.y + h), true);

  // Columns: clients | gateway (routes and stages) | services | instances.
  const float clientsX = o.x + w * 0.01f, clientsW = w * 0.08f;
  const float gwL = o.x + w * 0.13f, gwR = o.x + w * 0.44f;
  const float svcX = o.x + w * 0.58f;
  const float instL = o.x + w * 0.80f, instR = o.x + w * 0.995f;
  const float top = o.y + lineH + 8, bottom = o.y + h - 4;

  // The gateway: one row per route.
  const auto& routes = m.routes();
  const std::size_t rows = std::max<std::size_t>(routes.size(), 1);
  const float rowH = std::min(56.0f, (bottom - top - 8) / static_cast<float>(rows));
  const float gwTop = top, gwBottom = top + rowH * static_cast<float>(rows) + 8;
  draw->AddRectFilled(ImVec2(gwL, gwTop - lineH - 6), ImVec2(gwR, gwBottom), IM_COL32(40, 46, 60, 255), 6.0f);
  draw->AddRect(ImVec2(gwL, gwTop - lineH - 6), ImVec2(gwR, gwBottom), IM_COL32(110, 130, 170, 255), 6.0f);
  draw->AddText(ImVec2(gwL + 6, gwTop - lineH - 3), IM_COL32(200, 210, 240, 255), "gateway");
  std::vector<float> rowY(routes.size());
  const float boxW = std::min(40.0f, (gwR - gwL) * 0.55f / 5.0f);
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const TopologyRoute& r = routes[i];
    const float y0 = gwTop + rowH * static_cast<float>(i) + 4;
    rowY[i] = y0 + rowH / 2;
    draw->AddText(ImVec2(gwL + 6, rowY[i] - lineH), IM_COL32(230, 230, 230, 255), r.name.c_str());
    draw->AddText(ImVec2(gwL + 6, rowY[i]), pd::errorColour(r.flow.errorShare()), pd::rateText(r.flow.rate, r.flow.errorShare()).c_str());
    float x = gwR - 6 - boxW * 5;
    for (const auto& stage : kTopoStages) {
      const bool has = std::find(r.stages.begin(), r.stages.end(), stage.stage) != r.stages.end();
      const ImVec2 bmin(x + 1, rowY[i] - lineH * 0.7f), bmax(x + boxW - 1, rowY[i] + lineH * 0.7f);
      draw->AddRectFilled(bmin, bmax, has ? IM_COL32(70, 110, 170, 255) : IM_COL32(50, 55, 65, 255), 3.0f);
      pd::centredText(draw, ImVec2((bmin.x + bmax.x) / 2, rowY[i]), stage.text, has ? IM_COL32(255, 255, 255, 255) : pd::grey(100));
      x += boxW;
    }
  }

  // Clients -> gateway.
  const float midY = (gwTop + gwBottom) / 2;
  draw->AddRectFilled(ImVec2(clientsX, midY - 18), ImVec2(clientsX + clientsW, midY + 18), IM_COL32(60, 60, 70, 255), 5.0f);
  pd::centredText(draw, ImVec2(clientsX + clientsW / 2, midY), "clients", IM_COL32(230, 230, 230, 255));
  pd::arrow(draw, ImVec2(clientsX + clientsW, midY), ImVec2(gwL, midY),
            m.gateway().requests ? pd::errorColour(m.gateway().errorShare()) : pd::grey(100), 2.0f);
  pd::label(draw, ImVec2((clientsX + clientsW + gwL) / 2, midY - lineH), pd::rateText(m.gateway().rate, m.gateway().errorShare()));

  // Services in bands sized by their instance counts; instances stacked inside their band.
  const auto& services = m.services();
  float weights = 0;
  for (const auto& s : services) weights += static_cast<float>(std::max<std::size_t>(s.instances.size(), 1));
  const float unit = weights > 0 ? (bottom - top) / weights : 0;
  std::vector<ImVec2> centre(services.size());
  std::vector<float> radius(services.size());
  float bandTop = top;
  for (std::size_t i = 0; i < services.size(); ++i) {
    const TopologyService& s = services[i];
    const float bandH = unit * static_cast<float>(std::max<std::size_t>(s.instances.size(), 1));
    centre[i] = ImVec2(svcX, bandTop + bandH / 2);
    const float maxR = std::clamp(bandH / 2 - 4, 8.0f, 42.0f);
    radius[i] = std::clamp(7.0f + 3.0f * static_cast<float>(std::sqrt(s.flow.rate)), 7.0f, maxR);
    // Instances.
    const float instH = std::min(24.0f, bandH / static_cast<float>(std::max<std::size_t>(s.instances.size(), 1)) - 4);
    for (std::size_t k = 0; k < s.instances.size(); ++k) {
      const TopologyInstance& inst = s.instances[k];
      const float cy = bandTop + unit * (static_cast<float>(k) + 0.5f);
      const ImVec2 bmin(instL, cy - instH / 2), bmax(instR, cy + instH / 2);
      topoEdge(draw, ImVec2(centre[i].x + radius[i], centre[i].y), ImVec2(instL, cy), inst.flow, false);
      const ImU32 fill = inst.ejected ? IM_COL32(55, 55, 55, 255) : IM_COL32(45, 70, 55, 255);
      draw->AddRectFilled(bmin, bmax, fill, 3.0f);
      draw->AddRect(bmin, bmax, inst.ejected ? pd::grey(110) : pd::errorColour(inst.flow.errorShare()), 3.0f);
      const std::string text = fmt::format("{}  {}  in flight {}", inst.id, pd::rateText(inst.flow.rate, inst.flow.errorShare()), inst.inFlight);
      const ImVec2 ts = ImGui::CalcTextSize(text.c_str());
      const ImVec2 tp(bmin.x + 4, cy - ts.y / 2);
      draw->AddText(tp, inst.ejected ? pd::grey(130) : IM_COL32(230, 230, 230, 255), text.c_str());
      if (inst.ejected) {
        draw->AddLine(ImVec2(tp.x, cy), ImVec2(std::min(tp.x + ts.x, bmax.x - 2), cy), IM_COL32(220, 80, 80, 255), 1.5f);
        draw->AddText(ImVec2(bmax.x - ImGui::CalcTextSize("ejected").x - 4, cy - ts.y / 2), IM_COL32(220, 80, 80, 255), "ejected");
      }
      if (topoHovered(bmin, bmax)) {
        ImGui::SetTooltip("%s (%s)\n%s over the last second\nin flight %lld\n%s, ejected %llu time(s)", inst.id.c_str(),
                          s.name.c_str(), pd::rateText(inst.flow.rate, inst.flow.errorShare()).c_str(),
                          static_cast<long long>(inst.inFlight), inst.ejected ? "ejected now" : "in rotation",
                          static_cast<unsigned long long>(inst.timesEjected));
      }
    }
    bandTop += bandH;
  }

  // Routes -> services.
  for (const auto& e : m.edges()) {
    if (e.route >= rowY.size() || e.service >= services.size()) continue;
    topoEdge(draw, ImVec2(gwR, rowY[e.route]), ImVec2(centre[e.service].x - radius[e.service], centre[e.service].y), e.flow, true);
  }

  // The Hystrix circles, with state and percentiles beside them.
  for (std::size_t i = 0; i < services.size(); ++i) {
    const TopologyService& s = services[i];
    const double share = s.flow.errorShare();
    draw->AddCircleFilled(centre[i], radius[i], s.flow.requests ? pd::errorColour(share, 170) : pd::grey(80, 170), 40);
    draw->AddCircle(centre[i], radius[i], s.flow.requests ? pd::errorColour(share) : pd::grey(130), 40, 1.5f);
    const float tx = centre[i].x + radius[i] + 6;
    float ty = centre[i].y - lineH * 2;
    draw->AddText(ImVec2(tx, ty), IM_COL32(240, 240, 240, 255), s.name.c_str());
    ty += lineH;
    draw->AddText(ImVec2(tx, ty), pd::errorColour(share), pd::rateText(s.flow.rate, share).c_str());
    ty += lineH;
    if (s.hasBreaker) {
      draw->AddText(ImVec2(tx, ty), pd::breakerColour(s.breakerState), ("circuit " + topoBreakerText(s.breakerState)).c_str());
      ty += lineH;
    }
    draw->AddText(ImVec2(tx, ty), pd::grey(190), fmt::format("p50 {:.0f} ms  p99 {:.0f} ms", s.p50Ms, s.p99Ms).c_str());
    const ImVec2 cmin(centre[i].x - radius[i], centre[i].y - radius[i]), cmax(centre[i].x + radius[i], centre[i].y + radius[i]);
    if (topoHovered(cmin, cmax)) {
      ImGui::SetTooltip("%s\n%llu requests in the last second, %llu failed (%.1f%%)\np50 %.1f ms, p99 %.1f ms (last 10 s)%s%s",
                        s.name.c_str(), static_cast<unsigned long long>(s.flow.requests),
                        static_cast<unsigned long long>(s.flow.errors), share * 100, s.p50Ms, s.p99Ms,
                        s.hasBreaker ? "\ncircuit breaker: " : "", s.hasBreaker ? s.breakerState.c_str() : "");
    }
  }
  draw->PopClipRect();

  // The gateway's requests per second over the last two minutes.
  const auto values = m.gatewaySeconds().values([](const TopologySecond& v) { return static_cast<double>(v.requests); });
  const auto errors = m.gatewaySeconds().values([](const TopologySecond& v) { return static_cast<double>(v.errors); });
  const float peak = values.empty() ? 1.0f : std::max(1.0f, *std::max_element(values.begin(), values.end()));
  pd::plotWithLine("##topology_rate", values, 0.0f, peak * 1.1f, sparkH * 0.5f, "requests per second (120 s)");
  pd::plotWithLine("##topology_errors", errors, 0.0f, peak * 1.1f, sparkH * 0.5f, "failed per second");
}

}  // namespace gwdash
