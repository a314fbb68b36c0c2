#include "tools/gatewayd/config_hints.h"

#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "libgateway/config/config_loader.h"

namespace gatewayd {

bool looksLikeScenario(const std::string& path) {
  std::string text, why;
  if (!gateway::readTextFile(path, text, why)) return false;
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  return doc.is_object() && doc.contains("gateway") && doc["gateway"].is_object();
}

void reportConfigErrors(const std::string& path, const gateway::FieldErrors& errors) {
  if (looksLikeScenario(path)) {
    fmt::print(stderr,
               "gatewayd: {0}: this looks like a gwsim scenario (it has a top-level \"gateway\" section), not a "
               "gatewayd config.\n"
               "gatewayd: its \"gateway\" section is a gatewayd config: save that section as a file of its own "
               "(e.g. jq .gateway {0} > gateway.json) and pass that file to --config.\n"
               "gatewayd: to run the scenario itself: gwsim run {0} (virtual time), or mock-services --scenario {0} "
               "--use-scenario-ports for its services for real.\n",
               path);
    return;
  }
  for (const auto& e : errors.list()) fmt::print(stderr, "gatewayd: {}: {}\n", path, e.str());
  fmt::print(stderr, "gatewayd: config \"{}\" has {} error(s); nothing was started\n", path, errors.size());
}

}  // namespace gatewayd
