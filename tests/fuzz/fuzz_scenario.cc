// Bytes as the text of a gwsim scenario into the scenario loader (loadScenarioJson: the
// embedded gateway config, service models, client groups, faults and expectations). A
// "gateway" given as a file path and a replay group's trace file are replaced first, so
// nothing is read from disk (a trace file gets a target of its own with its parser).
// Invariants: as the config loader's (fuzz_config.cc): a scenario loads with no error or is
// refused with errors that each name a JSON path in the document; a loaded scenario has a
// gateway config, a positive duration, at least one client group, and loads the same way
// again.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "sim/scenario/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  gateway::FieldErrors parseErrors;
  auto doc = gateway::parseJsonText(text, parseErrors);
  if (!doc) {
    FUZZ_CHECK(parseErrors.size() == 1 && !parseErrors.list()[0].message.empty(), "a syntax error reported as: " + parseErrors.text());
    return 0;
  }
  if (doc->is_object()) {
    if (auto g = doc->find("gateway"); g != doc->end()) {
      if (g->is_string()) *g = 0;  // a path: a type error instead of a file
      else gateway::fuzz::dropFileFields(*g);
    }
    if (auto clients = doc->find("clients"); clients != doc->end() && clients->is_array()) {
      for (auto& c : *clients) {
        if (!c.is_object()) continue;
        auto replay = c.find("replay");
        if (replay != c.end() && replay->is_object() && replay->contains("file")) (*replay)["file"] = 0;
      }
    }
  }
  // A base folder that does not exist: nothing named relative to it could be read anyway.
  const gwsim::ScenarioLoad load = gwsim::loadScenarioJson(*doc, "/nonexistent/fuzz");
  gateway::fuzz::checkFieldErrors(load.errors, load.ok(), *doc);
  if (!load.ok()) return 0;
  const gwsim::Scenario& s = *load.scenario;
  FUZZ_CHECK(s.gateway != nullptr, "a loaded scenario without a gateway config");
  FUZZ_CHECK(s.duration > 0, "a loaded scenario with duration " + std::to_string(s.duration));
  FUZZ_CHECK(!s.clients.empty(), "a loaded scenario without client groups");
  const gwsim::ScenarioLoad again = gwsim::loadScenarioJson(*doc, "/nonexistent/fuzz");
  FUZZ_CHECK(again.ok(), "the same scenario loaded once and was refused the next time: " + again.errors.text());
  return 0;
}
