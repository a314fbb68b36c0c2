#include "tools/gwdash/app/live_controls.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>
#include <utility>
#include <vector>

#include <imgui.h>
#include <imgui_stdlib.h>

#include "tools/gwdash/model/policy_switch.h"

namespace gwdash {

namespace {

const char* const kLiveFaultKinds[] = {"service down", "added latency", "error rate (503)", "capacity drop"};

std::vector<std::string> liveInstancesOf(const SimSession& session, const std::string& service) {
  std::vector<std::string> out;
  const auto& services = session.run().configJson().value("services", nlohmann::json::array());
  for (const auto& s : services) {
    if (s.value("name", "") != service || !s.contains("instances")) continue;
    for (const auto& instance : s["instances"]) out.push_back(instance.value("id", ""));
  }
  return out;
}

bool liveCombo(const char* label, int& index, const std::vector<std::string>& items) {
  if (items.empty()) return false;
  index = std::clamp(index, 0, static_cast<int>(items.size()) - 1);
  bool changed = false;
  if (ImGui::BeginCombo(label, items[static_cast<std::size_t>(index)].c_str())) {
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (ImGui::Selectable(items[i].c_str(), static_cast<int>(i) == index)) {
        index = static_cast<int>(i);
        changed = true;
      }
    }
    ImGui::EndCombo();
  }
  return changed;
}

}  // namespace

gwsim::FaultSpec LiveControls::faultFromForm(const SimSession& session) const {
  gwsim::FaultSpec fault;
  const auto& services = session.scenario().services;
  if (!services.empty()) {
    fault.service = services[static_cast<std::size_t>(std::clamp(service_, 0, static_cast<int>(services.size()) - 1))].name;
    const auto instances = liveInstancesOf(session, fault.service);
    if (instance_ > 0 && static_cast<std::size_t>(instance_) <= instances.size()) {
      fault.instance = instances[static_cast<std::size_t>(instance_ - 1)];
    }
  }
  fault.duration = static_cast<gateway::Duration>(std::llround(static_cast<double>(seconds_) * 1e6));
  switch (kind_) {
    case 0: fault.kind = gwsim::FaultSpec::Kind::kDown; break;
    case 1:
      fault.kind = gwsim::FaultSpec::Kind::kLatency;
      fault.latency = static_cast<gateway::Duration>(std::llround(static_cast<double>(latencyMs_) * 1000.0));
      break;
    case 2:
      fault.kind = gwsim::FaultSpec::Kind::kAbort;
      fault.status = 503;
      fault.probability = errorRate_;
      break;
    default:
      fault.kind = gwsim::FaultSpec::Kind::kCapacity;
      fault.capacityFactor = capacity_;
      break;
  }
  return fault;
}

void LiveControls::drawButtons(SimSession& session, std::string& message) {
  if (ImGui::Button("Faults...")) ImGui::OpenPopup("live_faults");
  ImGui::SameLine();
  if (ImGui::Button("Policies...")) ImGui::OpenPopup("live_policies");
  ImGui::SameLine();
  if (ImGui::Button("Export...")) ImGui::OpenPopup("live_export");
  drawFaultPopup(session, message);
  drawPolicyPopup(session, message);
  drawExportPopup(session, message);
}

void LiveControls::drawFaultPopup(SimSession& session, std::string& message) {
  if (!ImGui::BeginPopup("live_faults")) return;
  ImGui::TextUnformatted("Inject a fault now (it starts 1 us from now)");
  ImGui::Separator();
  std::vector<std::string> services;
  for (const auto& s : session.scenario().services) services.push_back(s.name);
  ImGui::SetNextItemWidth(220);
  if (liveCombo("service", service_, services)) instance_ = 0;
  if (!services.empty()) {
    std::vector<std::string> instances = {"every instance"};
    for (auto& id : liveInstancesOf(session, services[static_cast<std::size_t>(service_)])) instances.push_back(id);
    ImGui::SetNextItemWidth(220);
    liveCombo("instance", instance_, instances);
  }
  for (int i = 0; i < 4; ++i) {
    if (i > 0) ImGui::SameLine();
    ImGui::RadioButton(kLiveFaultKinds[i], &kind_, i);
  }
  ImGui::SetNextItemWidth(220);
  if (kind_ == 1) ImGui::SliderFloat("added latency", &latencyMs_, 10.0f, 5000.0f, "%.0f ms", ImGuiSliderFlags_Logarithmic);
  if (kind_ == 2) ImGui::SliderFloat("share of requests", &errorRate_, 0.01f, 1.0f, "%.2f");
  if (kind_ == 3) ImGui::SliderFloat("workers left", &capacity_, 0.05f, 0.95f, "%.2f");
  ImGui::SetNextItemWidth(220);
  ImGui::SliderFloat("for", &seconds_, 1.0f, 120.0f, "%.0f s");
  if (ImGui::Button("Inject") && !services.empty()) {
    const gwsim::FaultSpec fault = faultFromForm(session);
    session.injectFault(fault);
    message = "fault: " + (session.timeline().empty() ? fault.describe() : session.timeline().back().description);
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

void LiveControls::drawPolicyPopup(SimSession& session, std::string& message) {
  if (!ImGui::BeginPopup("live_policies")) return;
  ImGui::TextUnformatted("Switch a policy now (a config change at now + 1 us)");
  ImGui::Separator();
  const nlohmann::json& running = session.run().configJson();
  const nlohmann::json& initial = session.scenario().gatewayJson;
  const auto switches = policySwitches(running, initial);
  std::optional<std::pair<std::size_t, std::string>> picked;
  if (switches.empty()) ImGui::TextDisabled("This config has no rate limits, services or cacheable routes.");
  const auto& timeline = session.timeline();
  if (std::any_of(timeline.begin(), timeline.end(),
                  [&](const TimelineEntry& e) { return e.kind == "change" && e.at > session.now(); })) {
    ImGui::TextColored(ImVec4(0.95f, 0.8f, 0.4f, 1), "A change made now takes effect 1 us later: play or step to see it.");
  }
  for (std::size_t i = 0; i < switches.size(); ++i) {
    const auto& target = switches[i];
    ImGui::PushID(static_cast<int>(i));
    ImGui::TextUnformatted(target.label.c_str());
    ImGui::SameLine(260);
    for (const auto& choice : target.choices) {
      const bool current = choice == target.current;
      if (current) ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0.2f, 0.55f, 0.3f, 1.0f));
      if (ImGui::SmallButton(choice.c_str()) && !current) picked.emplace(i, choice);
      if (current) ImGui::PopStyleColor();
      ImGui::SameLine();
    }
    ImGui::NewLine();
    ImGui::PopID();
  }
  if (picked) {
    const auto& target = switches[picked->first];
    const auto errors = session.changeConfig(switchPolicy(target, picked->second, running, initial));
    message = errors.empty() ? "switched " + target.label + " to " + picked->second : "not applied: " + errors.front();
  }
  ImGui::EndPopup();
}

void LiveControls::drawExportPopup(SimSession& session, std::string& message) {
  if (!ImGui::BeginPopup("live_export")) return;
  ImGui::TextUnformatted("Write this session as a scenario (the seed and every live change):");
  ImGui::TextDisabled("gwsim run FILE replays it exactly.");
  ImGui::SetNextItemWidth(360);
  ImGui::InputText("file", &exportPath_);
  if (ImGui::Button("Write")) {
    std::ofstream out(exportPath_);
    out << session.exportScenario().dump(2) << "\n";
    out.close();
    message = out ? "exported to " + exportPath_ : "cannot write " + exportPath_;
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

}  // namespace gwdash
