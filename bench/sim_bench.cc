// Simulator speed: simulated requests per second of CPU time for a scenario with routing,
// rate limiting and three services (bench/scenarios/sim_speed.json, shortened), against an
// anchor measured in the same run: the bare event queue (schedule + fire of an empty event,
// with a realistic number of pending timers). The ratio says how much of the budget the
// gateway pipeline and the service models take over pure event handling.
// GWBENCH_SIM_SCENARIO=FILE measures another scenario instead (shortened the same way); one
// that does not load ends the benchmark with its errors (gwbench exits 1).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "libgateway/core/manual_time.h"
#include "sim/engine/simulation.h"
#include "sim/scenario/scenario.h"

namespace {

void BM_EventQueueAnchor(benchmark::State& state) {
  gateway::ManualClock clock;
  gateway::ManualScheduler scheduler(clock);
  gateway::Random random(1);
  // Keep ~4k timers pending, as a busy simulation does.
  for (int i = 0; i < 4096; ++i) scheduler.schedule(static_cast<gateway::TimePoint>(random.uniform(1000000)), [] {});
  std::int64_t fired = 0;
  for (auto _ : state) {
    scheduler.schedule(clock.now() + 1 + static_cast<gateway::TimePoint>(random.uniform(1000000)), [&fired] { ++fired; });
    scheduler.runNext();
  }
  benchmark::DoNotOptimize(fired);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EventQueueAnchor)->Repetitions(5)->ReportAggregatesOnly(true);

std::string speedScenarioPath() {
  const char* path = std::getenv("GWBENCH_SIM_SCENARIO");
  return path && *path ? path : std::string(GATEWAY_SOURCE_DIR) + "/bench/scenarios/sim_speed.json";
}

void BM_SimulateSpeedScenario(benchmark::State& state) {
  gateway::FieldErrors errors;
  const std::string path = speedScenarioPath();
  auto doc = gwsim::readScenarioDocument(path, errors);
  if (!doc) {
    state.SkipWithError(errors.text().c_str());
    return;
  }
  (*doc)["duration_s"] = 5;  // 100k requests per iteration
  auto load = gwsim::loadScenarioJson(*doc, std::filesystem::path(path).parent_path().string());
  if (!load.ok()) {
    state.SkipWithError(load.errors.text().c_str());
    return;
  }
  std::uint64_t requests = 0, events = 0;
  for (auto _ : state) {
    const gwsim::RunResult r = gwsim::runScenario(*load.scenario, gwsim::RunOptions{});
    requests += r.gatewayRequests;
    events += r.events;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(requests));
  state.counters["events_per_request"] = static_cast<double>(events) / static_cast<double>(std::max<std::uint64_t>(1, requests));
}
BENCHMARK(BM_SimulateSpeedScenario)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->Repetitions(5)->ReportAggregatesOnly(true);

}  // namespace
