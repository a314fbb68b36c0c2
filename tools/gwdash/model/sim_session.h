// The dashboard's simulated world: one scenario run (gwsim::SimulationRun) that plays, pauses,
// steps (an event, a request, a second), jumps to any time by re-running from t = 0 (exact,
// because the run is deterministic, and checked against the hashes the first pass recorded),
// restarts with another seed, and takes live changes (faults, config switches) that are kept
// on a timeline, replayed by every re-run and exported as a scenario file.
// Feeds its listeners: each completed request, each arrival, and every 100 ms of simulated
// time the policies' snapshot, so what a model holds depends on simulated time only.
// One thread (the dashboard's); listeners are not owned and must outlive the session.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/config/json_reader.h"
#include "libgateway/core/time.h"
#include "sim/engine/simulation_run.h"
#include "sim/scenario/scenario.h"
#include "tools/gwdash/model/dashboard_listener.h"

namespace gwdash {

inline constexpr gateway::Duration kSnapshotTick = gateway::millis(100);

// A live change, as it sits on the timeline.
struct TimelineEntry {
  gateway::TimePoint at = 0;
  std::string kind;         // "fault" or "change"
  std::string description;  // "down payments for 10 s", "/rate_limits/tiers/free/algorithm = gcra"
};

// Per simulated second of the first pass: what a re-run must reproduce.
struct Checkpoint {
  gateway::TimePoint at = 0;
  std::uint64_t events = 0;
  std::uint64_t traceHash = 0;
};

struct JumpReport {
  gateway::TimePoint target = 0;
  std::uint64_t events = 0;          // events the re-run fired
  double wallMs = 0;                 // how long the re-run took
  std::size_t compared = 0;          // checkpoints of the earlier pass up to the target
  std::size_t matched = 0;           // ... that the re-run reproduced exactly
  bool exact() const { return compared == matched; }
};

class SimSession {
 public:
  // `document` is the scenario file's JSON with its gateway config inlined
  // (gwsim::readScenarioDocument); `scenario` is what it loaded to.
  SimSession(nlohmann::json document, gwsim::Scenario scenario, std::optional<std::uint64_t> seed = {});
  ~SimSession();
  // Loads a scenario file and opens a session on it; null, with every error at its JSON path
  // in `errors`, when the file does not load.
  static std::unique_ptr<SimSession> open(const std::string& path, std::optional<std::uint64_t> seed,
                                          gateway::FieldErrors& errors);

  void addListener(DashboardListener* listener);  // reset() at once with the current context
  const DashboardContext& context() const { return context_; }
  const gwsim::Scenario& scenario() const { return scenario_; }

  gateway::TimePoint now() const;
  gateway::TimePoint duration() const { return scenario_.duration; }
  gateway::TimePoint end() const;
  bool done() const;
  std::uint64_t seed() const;
  std::uint64_t events() const;
  std::uint64_t traceHash() const;
  const gwsim::SimulationRun& run() const { return *run_; }

  // Plays `simulated` more time, or up to `maxEvents` events if that comes first (a frame's
  // budget at "as fast as possible"). Returns the events fired.
  std::uint64_t advance(gateway::Duration simulated, std::uint64_t maxEvents = UINT64_MAX);
  bool stepEvent();       // the next event; false when the run is over
  bool stepRequest();     // until the next request completes; false when none does
  void stepSecond();      // to the next whole simulated second
  // Re-runs from t = 0 to `target` with the timeline, compares with the checkpoints.
  JumpReport jumpTo(gateway::TimePoint target);
  // A new run from t = 0 with `seed` (none: the same seed), the timeline kept.
  void restart(std::optional<std::uint64_t> seed = {});

  // Live changes at now() + 1 µs, put on the timeline. A change's errors are returned (each
  // with its JSON path) and nothing is recorded then.
  void injectFault(gwsim::FaultSpec fault);
  std::vector<std::string> changeConfig(gwsim::ConfigChange change);
  // Forgets the timeline's entries after now() (the next re-run will not replay them).
  void dropTimelineAfterNow();
  const std::vector<TimelineEntry>& timeline() const { return timeline_; }
  // The scenario document with the seed in use and the timeline's faults and changes: run by
  // gwsim, it replays this session exactly.
  nlohmann::json exportScenario() const;

  const std::vector<Checkpoint>& checkpoints() const { return checkpoints_; }

 private:
  void startRun();
  void emitTick();
  void forgetCheckpointsAfterNow();
  class Relay;

  nlohmann::json document_;
  gwsim::Scenario base_;      // as loaded
  gwsim::Scenario scenario_;  // base_ plus the timeline's faults and changes (the current run's)
  std::optional<std::uint64_t> seedOverride_;
  DashboardContext context_;
  std::vector<DashboardListener*> listeners_;
  std::unique_ptr<Relay> relay_;
  std::unique_ptr<gwsim::SimulationRun> run_;
  gateway::TimePoint nextTick_ = kSnapshotTick;
  std::vector<TimelineEntry> timeline_;
  std::vector<gwsim::FaultSpec> liveFaults_;
  std::vector<gwsim::ConfigChange> liveChanges_;
  std::vector<Checkpoint> checkpoints_;  // by second - 1
  std::size_t compared_ = 0, matched_ = 0;  // checkpoints met again since the last jump
  std::uint64_t configVersion_ = 0;
};

}  // namespace gwdash
