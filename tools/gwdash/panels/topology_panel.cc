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

void topoEdge(ImDrawList* draw, ImVec2 from, ImVec2 to, const TrafficFlow& flow) {
  const bool idle = flow.requests == 0;
  const ImU32 colour = idle ? pd::grey(90) : pd::errorColour(flow.errorShare(), 220);
  const float thickness = idle ? 1.0f : 1.0f + static_cast<float>(std::log1p(flow.rate)) * 0.6f;
  const float bend = (to.x - from.x) * 0.45f;
  draw->AddBezierCubic(from, ImVec2(from.x + bend, from.y), ImVec2(to.x - bend, to.y), to, colour, thickness);
}

// The edge's rate on its curve, nearer the target, so labels of edges fanning out of one
// route part (drawn after every curve, so no line crosses a label).
void topoEdgeLabel(ImDrawList* draw, ImVec2 from, ImVec2 to, const TrafficFlow& flow) {
  if (flow.requests == 0) return;
  const float bend = (to.x - from.x) * 0.45f;
  const float t = 0.7f, u = 1 - t;
  const float x = u * u * u * from.x + 3 * u * u * t * (from.x + bend) + 3 * u * t * t * (to.x - bend) + t * t * t * to.x;
  const float y = u * u * u * from.y + 3 * u * u * t * from.y + 3 * u * t * t * to.y + t * t * t * to.y;
  pd::label(draw, ImVec2(x, y), pd::rateText(flow.rate, flow.errorShare()), pd::errorColour(flow.errorShare()));
}

// The fleet strip's rows, in lines: the instance chips, the gap under them (or under the
// gateway when there are no chips), the store box.
constexpr float kFleetChipLines = 1.5f, kFleetChipGapLines = 1.5f, kFleetGapLines = 1.2f, kFleetStoreLines = 3.4f;

// The height topoFleet draws.
float topoFleetHeight(const FleetModel& f, float lineH) {
  const bool chips = f.instances().size() > 1;
  float lines = chips ? kFleetChipLines : 0.0f;
  if (f.store().present) lines += (chips ? kFleetChipGapLines : kFleetGapLines) + kFleetStoreLines;
  return lines * lineH + 4;
}

// The fleet strip under the gateway, between x `left` and `right` from y `top`: a chip per
// gateway instance, then the rate-limit store they share, a line from each instance (or from
// the gateway) to it.
void topoFleet(ImDrawList* draw, const FleetModel& f, float left, float right, float top, float lineH) {
  const auto& ins = f.instances();
  const float storeTop =
      top + lineH * (ins.size() > 1 ? kFleetChipLines + kFleetChipGapLines : kFleetGapLines);
  const float storeH = lineH * kFleetStoreLines;
  const ClusterStoreView& st = f.store();
  const ImVec2 storeMin(left + (right - left) * 0.05f, storeTop), storeMax(right - (right - left) * 0.05f, storeTop + storeH);
  const ImVec2 storeIn((storeMin.x + storeMax.x) / 2, storeMin.y);
  if (ins.size() > 1) {
    const float gap = 4, chipW = (right - left - gap * static_cast<float>(ins.size() - 1)) / static_cast<float>(ins.size());
    for (std::size_t i = 0; i < ins.size(); ++i) {
      const FleetInstanceView& in = ins[i];
      const ImVec2 cmin(left + (chipW + gap) * static_cast<float>(i), top), cmax(cmin.x + chipW, top + lineH * kFleetChipLines);
      if (st.present) {
        draw->AddLine(ImVec2((cmin.x + cmax.x) / 2, cmax.y), storeIn,
                      !in.up ? pd::grey(70) : in.storeUp ? IM_COL32(90, 140, 200, 200) : IM_COL32(220, 80, 80, 220), 1.2f);
      }
      draw->AddRectFilled(cmin, cmax, in.up ? IM_COL32(40, 46, 60, 255) : IM_COL32(55, 55, 55, 255), 4.0f);
      draw->AddRect(cmin, cmax, in.up ? IM_COL32(110, 130, 170, 255) : pd::grey(110), 4.0f);
      const std::string text = in.up ? fmt::format("gw{} {:.0f}/s", i, in.rate) : fmt::format("gw{} DOWN", i);
      draw->PushClipRect(cmin, cmax, true);
      pd::centredText(draw, ImVec2((cmin.x + cmax.x) / 2, (cmin.y + cmax.y) / 2), text,
                      in.up ? IM_COL32(230, 230, 230, 255) : IM_COL32(255, 120, 120, 255));
      draw->PopClipRect();
      if (topoHovered(cmin, cmax)) {
        ImGui::SetTooltip("gateway instance %zu: %s\n%.0f requests/s over the last second, %llu in all, %lld in flight\n"
                          "sees the store %s; %llu calls failed, %llu decided by on_failure",
                          i, in.up ? "up" : "down", in.rate, static_cast<unsigned long long>(in.requests),
                          static_cast<long long>(in.inFlight), in.storeUp ? "up" : "DOWN",
                          static_cast<unsigned long long>(in.storeFailed), static_cast<unsigned long long>(in.onFailure));
      }
    }
  } else if (st.present) {
    draw->AddLine(ImVec2(storeIn.x, top - 6), storeIn, st.up ? IM_COL32(90, 140, 200, 200) : IM_COL32(220, 80, 80, 220), 1.2f);
  }
  if (!st.present) return;
  draw->AddRectFilled(storeMin, storeMax, st.up ? IM_COL32(60, 40, 40, 255) : IM_COL32(110, 30, 30, 255), 5.0f);
  draw->AddRect(storeMin, storeMax, st.up ? IM_COL32(200, 110, 100, 255) : IM_COL32(255, 90, 90, 255), 5.0f, 0, 1.5f);
  draw->PushClipRect(storeMin, storeMax, true);
  const std::string head = st.simulated ? fmt::format("Redis (simulated, {:.1f} ms){}", st.latencyMs, st.up ? "" : "  DOWN")
                                        : fmt::format("Redis {}{}", st.where, st.up ? "" : "  DOWN");
  pd::centredText(draw, ImVec2(storeIn.x, storeMin.y + lineH * 0.7f), head, IM_COL32(245, 225, 220, 255));
  const std::string body = fmt::format("{} {}/s, {} failed{}", st.simulated ? "decisions" : "calls", static_cast<long long>(st.rate + 0.5),
                                       st.failed, st.simulated ? fmt::format(", {} denied", st.denied) : "");
  pd::centredText(draw, ImVec2(storeIn.x, storeMin.y + lineH * 1.7f), body, IM_COL32(220, 200, 200, 255));
  const std::string policy = st.up ? fmt::format("{}, on failure {}", st.mode, st.onFailure)
                                   : fmt::format("instances decide: {}", st.onFailure);
  pd::centredText(draw, ImVec2(storeIn.x, storeMin.y + lineH * 2.7f), policy,
                  st.up ? IM_COL32(190, 170, 170, 255) : IM_COL32(255, 200, 120, 255));
  draw->PopClipRect();
  if (topoHovered(storeMin, storeMax)) {
    ImGui::SetTooltip("the cluster rate-limit store: %s, %s\nmode %s, on_failure %s\n%llu %s in all, %llu failed",
                      st.where.c_str(), st.up ? "answering" : "down", st.mode.c_str(), st.onFailure.c_str(),
                      static_cast<unsigned long long>(st.decisions), st.simulated ? "decisions" : "calls sent",
                      static_cast<unsigned long long>(st.failed));
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
  const float clientsX = o.x + 2, clientsW = std::max(w * 0.07f, ImGui::CalcTextSize("clients").x + 12);
  const float gwL = o.x + w * 0.12f, gwR = o.x + w * 0.42f;
  const float svcX = o.x + w * 0.54f;
  const float instL = o.x + w * 0.70f, instR = o.x + w - 2;
  const float top = o.y + lineH + 8, bottom = o.y + h - 4;
  // Room under the gateway for the fleet strip.
  const float fleetH = fleet_.visible() ? topoFleetHeight(fleet_, lineH) + 10 : 0.0f;

  // The gateway: one row per route, its name and rate, then the stages it has as boxes.
  const auto& routes = m.routes();
  const std::size_t rows = std::max<std::size_t>(routes.size(), 1);
  const float rowH = std::min(lineH * 3.2f, (bottom - top - 8 - fleetH) / static_cast<float>(rows));
  const float gwTop = top, gwBottom = top + rowH * static_cast<float>(rows) + 8;
  draw->AddRectFilled(ImVec2(gwL, gwTop - lineH - 6), ImVec2(gwR, gwBottom), IM_COL32(40, 46, 60, 255), 6.0f);
  draw->AddRect(ImVec2(gwL, gwTop - lineH - 6), ImVec2(gwR, gwBottom), IM_COL32(110, 130, 170, 255), 6.0f);
  const std::string gwTitle = fleet_.instances().size() > 1
                                  ? fmt::format("gateway x{} ({})", fleet_.instances().size(), fleet_.balancer())
                                  : std::string("gateway");
  draw->AddText(ImVec2(gwL + 6, gwTop - lineH - 3), IM_COL32(200, 210, 240, 255), gwTitle.c_str());
  draw->PushClipRect(ImVec2(gwL, gwTop - lineH - 6), ImVec2(gwR, gwBottom), true);
  std::vector<float> rowY(routes.size());
  for (std::size_t i = 0; i < routes.size(); ++i) {
    const TopologyRoute& r = routes[i];
    const float y0 = gwTop + rowH * static_cast<float>(i) + 2;
    rowY[i] = y0 + rowH / 2;
    if (i > 0) draw->AddLine(ImVec2(gwL + 4, y0 - 2), ImVec2(gwR - 4, y0 - 2), IM_COL32(70, 80, 100, 255));
    draw->AddText(ImVec2(gwL + 6, y0), IM_COL32(235, 235, 235, 255), r.name.c_str());
    const std::string rate = pd::rateText(r.flow.rate, r.flow.errorShare());
    draw->AddText(ImVec2(gwR - 6 - ImGui::CalcTextSize(rate.c_str()).x, y0),
                  r.flow.requests ? pd::errorColour(r.flow.errorShare()) : pd::grey(120), rate.c_str());
    float x = gwL + 6;
    const float by = y0 + lineH + 2;
    if (r.stages.empty()) draw->AddText(ImVec2(x, by), pd::grey(120), "proxy");
    for (const auto& stage : kTopoStages) {
      if (std::find(r.stages.begin(), r.stages.end(), stage.stage) == r.stages.end()) continue;
      const float bw = ImGui::CalcTextSize(stage.text).x + 8;
      const ImVec2 bmin(x, by - 1), bmax(x + bw, by + lineH + 1);
      draw->AddRectFilled(bmin, bmax, IM_COL32(70, 110, 170, 255), 3.0f);
      pd::centredText(draw, ImVec2((bmin.x + bmax.x) / 2, (bmin.y + bmax.y) / 2), stage.text, IM_COL32(255, 255, 255, 255));
      x += bw + 4;
    }
  }
  draw->PopClipRect();
  if (fleet_.visible()) topoFleet(draw, fleet_, gwL, gwR, gwBottom + 10, lineH);

  // Clients -> gateway.
  const float midY = (gwTop + gwBottom) / 2;
  draw->AddRectFilled(ImVec2(clientsX, midY - 18), ImVec2(clientsX + clientsW, midY + 18), IM_COL32(60, 60, 70, 255), 5.0f);
  pd::centredText(draw, ImVec2(clientsX + clientsW / 2, midY), "clients", IM_COL32(230, 230, 230, 255));
  pd::arrow(draw, ImVec2(clientsX + clientsW, midY), ImVec2(gwL, midY),
            m.gateway().requests ? pd::errorColour(m.gateway().errorShare()) : pd::grey(100), 2.0f);
  const std::string clientsRate = pd::rateText(m.gateway().rate, m.gateway().errorShare());
  const float clientsLabelX = std::max(clientsX + clientsW / 2, o.x + ImGui::CalcTextSize(clientsRate.c_str()).x / 2 + 4);
  pd::label(draw, ImVec2(clientsLabelX, midY + 18 + lineH), clientsRate,
            pd::errorColour(m.gateway().errorShare()));

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
    const float textH = lineH * (s.hasBreaker ? 4.0f : 3.0f);
    centre[i] = ImVec2(svcX, bandTop + (bandH - textH) / 2);
    const float maxR = std::clamp((bandH - textH - 8) / 2, 8.0f, 42.0f);
    radius[i] = std::clamp(7.0f + 3.0f * static_cast<float>(std::sqrt(s.flow.rate)), 7.0f, maxR);
    // Instances.
    const float instH = std::min(24.0f, bandH / static_cast<float>(std::max<std::size_t>(s.instances.size(), 1)) - 4);
    for (std::size_t k = 0; k < s.instances.size(); ++k) {
      const TopologyInstance& inst = s.instances[k];
      const float cy = bandTop + unit * (static_cast<float>(k) + 0.5f);
      const ImVec2 bmin(instL, cy - instH / 2), bmax(instR, cy + instH / 2);
      topoEdge(draw, ImVec2(centre[i].x + radius[i], centre[i].y), ImVec2(instL, cy), inst.flow);
      const ImU32 fill = inst.ejected ? IM_COL32(55, 55, 55, 255) : IM_COL32(45, 70, 55, 255);
      draw->AddRectFilled(bmin, bmax, fill, 3.0f);
      draw->AddRect(bmin, bmax, inst.ejected ? pd::grey(110) : pd::errorColour(inst.flow.errorShare()), 3.0f);
      const std::string text = fmt::format("{}  {}  ({} in flight)", inst.id, pd::rateText(inst.flow.rate, inst.flow.errorShare()), inst.inFlight);
      const ImVec2 ts = ImGui::CalcTextSize(text.c_str());
      const ImVec2 tp(bmin.x + 4, cy - ts.y / 2);
      draw->PushClipRect(bmin, bmax, true);
      draw->AddText(tp, inst.ejected ? pd::grey(130) : IM_COL32(230, 230, 230, 255), text.c_str());
      if (inst.ejected) {
        draw->AddLine(ImVec2(tp.x, cy), ImVec2(std::min(tp.x + ts.x, bmax.x - 2), cy), IM_COL32(220, 80, 80, 255), 1.5f);
        const ImVec2 es = ImGui::CalcTextSize("EJECTED");
        draw->AddRectFilled(ImVec2(bmax.x - es.x - 8, bmin.y + 1), ImVec2(bmax.x - 1, bmax.y - 1), IM_COL32(90, 30, 30, 255), 3.0f);
        draw->AddText(ImVec2(bmax.x - es.x - 4, cy - es.y / 2), IM_COL32(255, 120, 120, 255), "EJECTED");
      }
      draw->PopClipRect();
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
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& e : m.edges()) {
      if (e.route >= rowY.size() || e.service >= services.size()) continue;
      const ImVec2 from(gwR, rowY[e.route]), to(centre[e.service].x - radius[e.service], centre[e.service].y);
      if (pass == 0) topoEdge(draw, from, to, e.flow);
      else topoEdgeLabel(draw, from, to, e.flow);
    }
  }

  // The Hystrix circles, with state and percentiles beside them.
  for (std::size_t i = 0; i < services.size(); ++i) {
    const TopologyService& s = services[i];
    const double share = s.flow.errorShare();
    draw->AddCircleFilled(centre[i], radius[i], s.flow.requests ? pd::errorColour(share, 170) : pd::grey(80, 170), 40);
    draw->AddCircle(centre[i], radius[i], s.flow.requests ? pd::errorColour(share) : pd::grey(130), 40, 1.5f);
    // Name, rate, circuit state and percentiles under the circle.
    float ty = centre[i].y + radius[i] + 2 + lineH / 2;
    auto line = [&](const std::string& text, ImU32 colour) {
      pd::centredText(draw, ImVec2(centre[i].x, ty), text, colour);
      ty += lineH;
    };
    line(s.name, IM_COL32(240, 240, 240, 255));
    line(pd::rateText(s.flow.rate, share), s.flow.requests ? pd::errorColour(share) : pd::grey(120));
    if (s.hasBreaker) line("circuit " + topoBreakerText(s.breakerState), pd::breakerColour(s.breakerState));
    if (s.p99Ms == 0 && s.partMeanMs > 0) {
      line(fmt::format("parts: mean {:.0f} ms", s.partMeanMs), pd::grey(190));
    } else {
      line(fmt::format("p50 {:.0f} ms  p99 {:.0f} ms", s.p50Ms, s.p99Ms), pd::grey(190));
    }
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
