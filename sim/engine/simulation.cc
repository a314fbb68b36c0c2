#include "sim/engine/simulation.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "libgateway/pipeline/gateway.h"
#include "libgateway/pipeline/policy_report.h"
#include "libgateway/pipeline/stage_list.h"
#include "sim/engine/breaker_analysis.h"
#include "sim/engine/client_traffic.h"
#include "sim/engine/run_recorder.h"
#include "sim/engine/sim_env.h"
#include "sim/engine/sim_transport.h"
#include "sim/report/expectations.h"

namespace gwsim {

using gateway::Duration;
using gateway::TimePoint;

namespace {

// One run's world: the simulated services, the virtual clock and event queue, the real
// Gateway, the recorder it reports to and the clients that drive it.
class Simulation {
 public:
  Simulation(const Scenario& scenario, const RunOptions& options)
      : scenario_(scenario),
        options_(options),
        seed_(options.seed.value_or(scenario.seed)),
        root_(seed_),
        transport_(scenario, root_),
        env_(root_, transport_),
        shared_(scenario.gateway),
        recorder_(scenario, options.trace, result_),
        gateway_(shared_, env_.env()),
        traffic_(scenario, root_, env_, gateway_, recorder_) {
    transport_.attach(env_.clock(), env_.scheduler());
    shared_.setUnixTimeOffset(scenario.startUnixSeconds * gateway::kSecond);
    gateway::installStandardStages(gateway_, shared_, env_.env());
    gateway_.setObserver(&recorder_);
    result_.scenario = scenario.name;
    result_.seed = seed_;
  }

  RunResult run() {
    const auto wallStart = std::chrono::steady_clock::now();
    traffic_.start();
    const TimePoint end = scenario_.duration + options_.drainLimit;
    auto& sched = env_.scheduler();
    const bool showProgress = options_.progress && isatty(STDERR_FILENO);
    bool printed = false;
    auto lastPrint = wallStart;
    std::uint64_t events = 0;
    while (sched.runNextUntil(end)) {
      ++events;
      if (showProgress && (events & 0xffff) == 0) {
        const auto now = std::chrono::steady_clock::now();
        const double wall = std::chrono::duration<double>(now - wallStart).count();
        if (wall > 1.0 && now - lastPrint > std::chrono::milliseconds(250)) {
          lastPrint = now;
          printed = true;
          const double sim = static_cast<double>(env_.now()) / 1e6;
          std::fprintf(stderr, "\r[gwsim] t=%.1fs/%.0fs %3.0f%%  %.2fM events/s  %.0fx real time   ", sim,
                       static_cast<double>(scenario_.duration) / 1e6,
                       std::min(100.0, 100.0 * sim * 1e6 / static_cast<double>(scenario_.duration)),
                       static_cast<double>(events) / wall / 1e6, sim / wall);
        }
      }
    }
    if (printed) std::fputc('\n', stderr);
    recorder_.finish();
    result_.events = events;
    result_.simulated = std::max<Duration>(scenario_.duration, env_.now());
    result_.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    result_.clientRequests = traffic_.clientRequests();
    result_.gatewayRequests = traffic_.gatewayRequests();
    result_.retries = traffic_.retries();
    result_.sentWhileFailing = transport_.sentWhileFailing();
    result_.failingService = failingService(scenario_.faults);
    for (const auto& v : transport_.instances()) {
      const auto& c = *v.counters;
      result_.instances.push_back({v.service, v.instance, c.received, c.served, c.rejected, c.errors, c.timedOut,
                                   c.refused, c.resets, c.aborted, c.hung, c.maxBusy, c.maxQueued});
    }
    if (result_.content.enabled) collectContent();
    checkExpectations(scenario_.expectations, result_);
    if (options_.policyState) *options_.policyState = gateway::policySnapshot(shared_, env_.now());
    return std::move(result_);
  }

 private:
  // The content report's run-wide parts: upstream requests per service, stampede fetches and
  // the cache's counters (its policy report section, read without the rest of the snapshot).
  void collectContent() {
    ContentReport& c = result_.content;
    for (const auto& v : transport_.instances()) c.upstreamRequests[v.service] += v.counters->received;
    if (scenario_.stampede) {
      c.stampedeFetches = transport_.stampedeFetches();
      c.stampedeBursts = scenario_.stampede->bursts.size();
    }
    for (const auto& reporter : shared_.reporters()) {
      if (reporter->name() == "cache") reporter->snapshot(env_.now(), c.cache);
    }
  }

  const Scenario& scenario_;
  RunOptions options_;
  std::uint64_t seed_;
  gateway::Random root_;
  SimTransport transport_;
  SimEnv env_;
  gateway::SharedState shared_;
  RunResult result_;
  RunRecorder recorder_;  // outlives the Gateway, which reports to it
  gateway::Gateway gateway_;
  ClientTraffic traffic_;
};

}  // namespace

RunResult runScenario(const Scenario& scenario, const RunOptions& options) {
  Simulation simulation(scenario, options);
  return simulation.run();
}

}  // namespace gwsim
