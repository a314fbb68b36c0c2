// Helpers for simulator tests: build a scenario from JSON text with a one-service gateway.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

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

// A run's CSV trace (--trace), one string per gateway request, the header left out:
// "start_us,end_us,client,consumer,method,target,...".
inline std::vector<std::string> traceLines(const Scenario& s) {
  std::FILE* f = std::tmpfile();
  EXPECT_NE(f, nullptr);
  if (!f) return {};
  RunOptions o;
  o.trace = f;
  runScenario(s, o);
  std::rewind(f);
  std::vector<std::string> lines;
  char buf[1024];
  for (bool header = true; std::fgets(buf, sizeof buf, f); header = false) {
    if (!header) lines.emplace_back(buf);
  }
  std::fclose(f);
  return lines;
}

}  // namespace gwsim::testing
