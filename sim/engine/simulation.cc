#include "sim/engine/simulation.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "sim/engine/simulation_run.h"

namespace gwsim {

RunResult runScenario(const Scenario& scenario, const RunOptions& options) {
  const auto wallStart = std::chrono::steady_clock::now();
  SimulationRun run(scenario, options);
  const bool showProgress = options.progress && isatty(STDERR_FILENO);
  bool printed = false;
  if (!showProgress) {
    run.runEvents();
  } else {
    // In slices of 64k events, with a progress line at most four times a second.
    auto lastPrint = wallStart;
    while (!run.done()) {
      run.runEvents(0x10000);
      const auto now = std::chrono::steady_clock::now();
      const double wall = std::chrono::duration<double>(now - wallStart).count();
      if (wall > 1.0 && now - lastPrint > std::chrono::milliseconds(250)) {
        lastPrint = now;
        printed = true;
        const double sim = static_cast<double>(run.now()) / 1e6;
        std::fprintf(stderr, "\r[gwsim] t=%.1fs/%.0fs %3.0f%%  %.2fM events/s  %.0fx real time   ", sim,
                     static_cast<double>(scenario.duration) / 1e6,
                     std::min(100.0, 100.0 * sim * 1e6 / static_cast<double>(scenario.duration)),
                     static_cast<double>(run.events()) / wall / 1e6, sim / wall);
      }
    }
  }
  if (printed) std::fputc('\n', stderr);
  RunResult result = run.finish();
  result.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
  if (options.policyState) *options.policyState = run.policySnapshot();
  return result;
}

}  // namespace gwsim
