// Helpers for simulator tests: build a scenario from JSON text with a one-service gateway.
#pragma once

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim/engine/simulation.h"
#include "sim/scenario/scenario.h"

namespace gwsim::testing {

inline nlohmann::json oneServiceGateway(int instances = 1, int timeoutMs = 60000) {
  nlohmann::json inst = nlohmann::json::array();
  for (int i = 0; i < instances; ++i) {
    inst.push_back({{"id", "svc-" + std::to_string(i + 1)}, {"address", "127.0.0.1:" + std::to_string(9000 + i)}});
  }
  return {{"services", {{{"name", "svc"}, {"instances", inst}, {"timeout_ms", timeoutMs}}}},
          {"routes", {{{"name", "all"}, {"match", {{"prefix", "/"}}}, {"service", "svc"}}}}};
}

inline Scenario mustLoad(const nlohmann::json& doc) {
  auto load = loadScenarioJson(doc, ".");
  EXPECT_TRUE(load.ok()) << load.errors.text();
  if (!load.ok()) throw std::runtime_error(load.errors.text());
  return std::move(*load.scenario);
}

inline RunResult runQuiet(const Scenario& s, std::optional<std::uint64_t> seed = std::nullopt) {
  RunOptions o;
  o.seed = seed;
  return runScenario(s, o);
}

}  // namespace gwsim::testing
