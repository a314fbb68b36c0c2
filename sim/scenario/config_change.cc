#include "sim/scenario/config_change.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "libgateway/config/config_loader.h"

namespace gwsim {

using gateway::childPath;
using gateway::FieldErrors;

std::string ConfigChange::describe() const {
  std::string out;
  for (const auto& [pointer, value] : set) {
    if (!out.empty()) out += ", ";
    out += value.is_null() ? fmt::format("{} removed", pointer) : fmt::format("{} = {}", pointer, value.dump());
  }
  return out;
}

std::optional<ConfigChange> parseConfigChange(const nlohmann::json& value, const std::string& path,
                                              FieldErrors& errors) {
  gateway::JsonReader r(value, path, errors);
  if (!r.isObject()) return std::nullopt;
  ConfigChange c;
  const std::size_t before = errors.list().size();
  if (auto at = r.number("at_s", 0, 1e7, true)) c.at = static_cast<gateway::TimePoint>(std::llround(*at * 1e6));
  if (const auto* set = r.object("set", true)) {
    if (set->empty()) errors.add(childPath(path, "set"), "expected at least one \"/json/pointer\": value");
    for (const auto& [pointer, v] : set->items()) {
      if (pointer.empty() || pointer[0] != '/') {
        errors.add(childPath(path, "set"), fmt::format("\"{}\" is not a JSON pointer (it starts with /)", pointer));
        continue;
      }
      c.set.emplace_back(pointer, v);
    }
  }
  if (auto note = r.string("note")) c.note = *note;
  r.finish();
  if (errors.list().size() != before) return std::nullopt;
  return c;
}

bool applyConfigChange(const ConfigChange& change, nlohmann::json& config, const std::string& path,
                       FieldErrors& errors) {
  nlohmann::json updated = config;
  bool ok = true;
  for (const auto& [pointer, value] : change.set) {
    // The error names the "set" member (its key escaped: the key is itself a pointer), and
    // the message says which pointer.
    const std::string where = childPath(path + "/set", pointer);
    const std::string& written = pointer;  // a lambda may not capture a structured binding (clang 14)
    const auto add = [&](const std::string& message) { errors.add(where, fmt::format("\"{}\": {}", written, message)); };
    try {
      const nlohmann::json::json_pointer ptr(pointer);
      const auto parent = ptr.parent_pointer();
      if (!updated.contains(parent) || !(updated.at(parent).is_object() || updated.at(parent).is_array())) {
        add(fmt::format("\"{}\" is not an object or array in the config", parent.to_string()));
        ok = false;
        continue;
      }
      nlohmann::json& container = updated.at(parent);
      if (value.is_null()) {
        if (!updated.contains(ptr)) {
          add("nothing to remove there");
          ok = false;
        } else if (container.is_object()) {
          container.erase(ptr.back());
        } else {
          container.erase(static_cast<std::size_t>(std::stoul(ptr.back())));
        }
      } else if (container.is_array() && ptr.back() != "-" &&
                 (ptr.back().find_first_not_of("0123456789") != std::string::npos ||
                  std::stoul(ptr.back()) >= container.size())) {
        add(fmt::format("index \"{}\" is not in the array (use - to append)", ptr.back()));
        ok = false;
      } else {
        updated[ptr] = value;
      }
    } catch (const nlohmann::json::exception& e) {
      add(fmt::format("bad JSON pointer: {}", e.what()));
      ok = false;
    } catch (const std::exception&) {
      add("bad array index");
      ok = false;
    }
  }
  if (ok) config = std::move(updated);
  return ok;
}

nlohmann::json toJson(const ConfigChange& change) {
  nlohmann::json set = nlohmann::json::object();
  for (const auto& [pointer, value] : change.set) set[pointer] = value;
  nlohmann::json out = {{"at_s", static_cast<double>(change.at) / 1e6}, {"set", std::move(set)}};
  if (!change.note.empty()) out["note"] = change.note;
  return out;
}

void checkConfigChanges(Scenario& s, const std::string& baseDir, FieldErrors& errors) {
  std::vector<std::size_t> order(s.changes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return s.changes[a].at < s.changes[b].at; });
  nlohmann::json config = s.gatewayJson;
  for (std::size_t i : order) {
    const std::string path = childPath("/changes", i);
    const ConfigChange& c = s.changes[i];
    if (c.at >= s.duration) errors.add(childPath(path, "at_s"), "comes after the scenario ends");
    if (!applyConfigChange(c, config, path, errors)) continue;
    auto load = gateway::loadConfigJson(config, "", baseDir);
    for (const auto& e : load.errors.list()) {
      errors.add(path, fmt::format("the config after this change is invalid: {}: {}", e.path.empty() ? "/" : e.path, e.message));
    }
  }
  std::vector<ConfigChange> sorted;
  sorted.reserve(order.size());
  for (std::size_t i : order) sorted.push_back(std::move(s.changes[i]));
  s.changes = std::move(sorted);
}

}  // namespace gwsim
