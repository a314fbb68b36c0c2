// One scenario run that can be driven a step at a time: the simulated services, the virtual
// clock and event queue, the real Gateway, the recorder it reports to and the clients that
// drive it. runScenario plays it to the end in one go; a dashboard fires one event, one
// request or one second at a time, reads the policies' snapshots in between, and changes the
// run while it goes (a fault, a config change). A change made live at time t takes effect at
// t + 1 µs, exactly as the same change written at that time in the scenario file, so a run
// with live changes is replayed by a scenario that lists them. One thread, not thread-safe;
// the scenario must outlive the run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/core/time.h"
#include "libgateway/http/message.h"
#include "libgateway/pipeline/exchange.h"
#include "libgateway/pipeline/shared_state.h"
#include "sim/engine/arrival.h"
#include "sim/engine/simulation.h"
#include "sim/engine/sim_transport.h"
#include "sim/report/run_result.h"
#include "sim/scenario/scenario.h"

namespace gwsim {


class SimulationRun {
 public:
  SimulationRun(const Scenario& scenario, const RunOptions& options);
  ~SimulationRun();
  SimulationRun(const SimulationRun&) = delete;
  SimulationRun& operator=(const SimulationRun&) = delete;

  // Fires the next event if one is due by end(); false when none is (the run is over).
  bool step();
  // Fires every event due at or before min(t, end()), then stands the clock at that time
  // (never backwards). Returns the events fired.
  std::uint64_t advanceTo(gateway::TimePoint t);
  // advanceTo(t), but stops after `maxEvents` events (a frame's share of work at "as fast as
  // possible"); the clock then stands at the last event fired. Returns the events fired.
  std::uint64_t advanceBounded(gateway::TimePoint t, std::uint64_t maxEvents);
  // Fires up to `maxEvents` events due by end(), leaving the clock at the last one (runScenario:
  // a finished run's clock is the last event's time, not end()).
  std::uint64_t runEvents(std::uint64_t maxEvents = UINT64_MAX);

  gateway::TimePoint now() const;
  gateway::TimePoint end() const;            // duration + drain limit
  gateway::TimePoint nextEventTime() const;  // kNever when none is pending
  bool done() const;                         // nothing left to fire by end()
  std::uint64_t events() const;              // fired so far
  std::uint64_t completed() const;           // exchanges the gateway completed so far
  // The trace hash of the exchanges completed so far (the final one is RunResult::traceHash).
  std::uint64_t traceHash() const;
  std::uint64_t seed() const { return seed_; }

  // Live changes, effective from now() + 1 µs (see the header comment). A fault's `at` is
  // set to that time and its duration kept. A config change's errors are returned (empty:
  // applied), each with its JSON path; the running config is then unchanged.
  FaultSpec addFault(FaultSpec fault);
  std::vector<std::string> changeConfig(const ConfigChange& change);
  // The gateway config now running, as JSON (the scenario's, with every change applied so far).
  const nlohmann::json& configJson() const;

  // Every policy's state at now() (gateway::policySnapshot).
  nlohmann::json policySnapshot() const;
  // The gateway fleet's state at now() (Fleet::snapshot), or null for one gateway that never
  // asked a cluster store.
  nlohmann::json fleetSnapshot() const;
  const gateway::SharedState& shared() const;
  const SimTransport& transport() const;
  // The result so far: the per-second series up to the last whole second, the counters.
  const RunResult& result() const;

  // Sees every completed exchange after the run's own recorder (null: none).
  void setObserver(gateway::ExchangeObserver* observer);
  void setArrivalListener(ArrivalListener listener);

  // Closes the series, fills the run-wide reports, checks the expectations. Call once, last.
  RunResult finish();

 private:
  struct World;
  std::uint64_t fire(gateway::TimePoint until, std::uint64_t maxEvents);
  std::uint64_t seed_;
  std::unique_ptr<World> world_;
};

}  // namespace gwsim
