// Runs the gwsim binary as a child process for command-line tests: its exit status, stdout and
// stderr. Bounded: a run that does not finish within a minute fails the test (and is killed).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/cli_exit.h"
#include "tests/integration/temp_dir.h"

namespace gwsim::testing {

struct GwsimRun {
  int status = -1;
  std::string out;
  std::string err;
};

// `args` without the program name; stderr goes through a file in `dir`.
inline GwsimRun runGwsimProcess(const std::vector<std::string>& args, const gateway::testing::TempDir& dir) {
  std::vector<std::string> argv = {GWSIM_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  gateway::testing::CliResult result = gateway::testing::runToExit(argv, dir.file("gwsim-stderr.txt"), std::chrono::seconds(60));
  GwsimRun run;
  if (!result.code) {
    ADD_FAILURE() << "gwsim did not start or did not finish within a minute: " << result.err;
    return run;
  }
  run.status = *result.code;
  run.out = std::move(result.out);
  run.err = std::move(result.err);
  return run;
}

// A small scenario: one service, one route "all", one client group "clients" of `rate`
// evenly spaced requests per second for `seconds`; `extra` is merged over it.
inline nlohmann::json smallScenario(double rate, double seconds, const nlohmann::json& extra = nlohmann::json::object()) {
  nlohmann::json doc = {
      {"name", "small"},
      {"seed", 7},
      {"duration_s", seconds},
      {"gateway",
       {{"services", {{{"name", "svc"}, {"instances", {{{"id", "svc-1"}, {"address", "127.0.0.1:9000"}}}}}}},
        {"routes", {{{"name", "all"}, {"match", {{"prefix", "/"}}}, {"service", "svc"}}}}}},
      {"services", {{"svc", {{"model", {{"workers", 100}, {"latency", 2}}}}}}},
      {"clients",
       {{{"name", "clients"}, {"arrival", {{"process", "constant"}, {"rate", rate}}}, {"requests", {{{"path", "/x"}}}}}}}};
  doc.merge_patch(extra);
  return doc;
}

}  // namespace gwsim::testing
