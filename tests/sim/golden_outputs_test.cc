// Every shipped scenario's `gwsim run --json` output, byte for byte, against the file kept in
// tests/sim/golden/ (written by the gwsim of the commit that last meant to change an output).
// A change that should not alter what the simulator predicts (a refactor, a speed-up) must
// leave these identical, events count and trace hash included. A change that means to alter
// them regenerates the files and says why in its commit:
//   for f in scenarios/*.json bench/scenarios/sim_speed.json; do
//     build/release/sim/gwsim run $f --json > tests/sim/golden/$(basename $f)
//   done
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "sim/engine/simulation.h"
#include "sim/scenario/scenario.h"

namespace gwsim {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> goldenScenarios() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(std::string(GATEWAY_SOURCE_DIR) + "/scenarios")) {
    if (e.path().extension() == ".json") out.push_back(e.path().string());
  }
  out.push_back(std::string(GATEWAY_SOURCE_DIR) + "/bench/scenarios/sim_speed.json");
  std::sort(out.begin(), out.end());
  return out;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class GoldenOutput : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenOutput, RunJsonIsByteIdentical) {
  const std::string golden =
      std::string(GATEWAY_SOURCE_DIR) + "/tests/sim/golden/" + fs::path(GetParam()).filename().string();
  ASSERT_TRUE(fs::exists(golden)) << "no golden output for " << GetParam() << ": write " << golden;
  auto load = loadScenarioFile(GetParam());
  ASSERT_TRUE(load.ok()) << load.errors.text();
  const RunResult result = runScenario(*load.scenario, RunOptions{});
  const std::string actual = result.toJson().dump(2) + "\n";  // as `gwsim run --json` prints it
  const std::string expected = readFile(golden);
  if (actual == expected) return;
  // Name the first difference rather than dump two long documents.
  const auto mismatch = std::mismatch(actual.begin(), actual.end(), expected.begin(), expected.end());
  const std::size_t at = static_cast<std::size_t>(mismatch.first - actual.begin());
  const std::size_t from = at < 200 ? 0 : at - 200;
  ADD_FAILURE() << GetParam() << " differs from " << golden << " at byte " << at << ":\n--- now:\n"
                << actual.substr(from, 400) << "\n--- golden:\n"
                << expected.substr(from, 400);
}

INSTANTIATE_TEST_SUITE_P(Shipped, GoldenOutput, ::testing::ValuesIn(goldenScenarios()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = fs::path(info.param).stem().string();
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace gwsim
