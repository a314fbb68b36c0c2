#include "sim/engine/simulation_run.h"

#include <algorithm>

#include "libgateway/config/config_loader.h"
#include "libgateway/pipeline/gateway.h"
#include "libgateway/pipeline/policy_report.h"
#include "libgateway/pipeline/stage_list.h"
#include "sim/engine/client_traffic.h"
#include "sim/engine/fleet.h"
#include "sim/engine/run_recorder.h"
#include "sim/engine/sim_env.h"
#include "sim/report/expectations.h"
#include "sim/scenario/config_change.h"

namespace gwsim {

using gateway::TimePoint;

// Named (not anonymous): World, which is not in an anonymous namespace, holds one.
namespace simulation_run_detail {

// Hands each exchange to the run's recorder, then to the extra observer (a dashboard's).
// Installed only when there is an extra observer, so a plain run pays nothing for it.
class ObserverPair final : public gateway::ExchangeObserver {
 public:
  ObserverPair(gateway::ExchangeObserver& first, gateway::ExchangeObserver& second) : first_(first), second_(second) {}
  void onComplete(const gateway::Exchange& ex, const gateway::Response& r) override {
    first_.onComplete(ex, r);
    second_.onComplete(ex, r);
  }
  void onAdmitted(const gateway::Exchange& ex) override {
    first_.onAdmitted(ex);
    second_.onAdmitted(ex);
  }
  void onBreakerTransition(const gateway::Exchange& ex, const gateway::ServiceConfig& s,
                           const gateway::BreakerTransition& t) override {
    first_.onBreakerTransition(ex, s, t);
    second_.onBreakerTransition(ex, s, t);
  }
  void onOutlierEvent(const gateway::Exchange& ex, const gateway::ServiceConfig& s,
                      const gateway::OutlierEvent& e) override {
    first_.onOutlierEvent(ex, s, e);
    second_.onOutlierEvent(ex, s, e);
  }

 private:
  gateway::ExchangeObserver& first_;
  gateway::ExchangeObserver& second_;
};

}  // namespace simulation_run_detail

using simulation_run_detail::ObserverPair;

// One run's world: the simulated services, the virtual clock and event queue, the real
// Gateway, the recorder it reports to and the clients that drive it.
struct SimulationRun::World {
  World(const Scenario& s, const RunOptions& options, std::uint64_t seed)
      : scenario(s),
        root(seed),
        transport(s, root),
        env(root, transport),
        shared(s.gateway),
        recorder(s, options.trace, result),
        gateway(shared, env.env()),
        fleet(s.fleet, s.gateway, gateway, shared, env.env(), root, s.startUnixSeconds * gateway::kSecond),
        traffic(s, root, env.clock(), env.scheduler(), fleet, recorder),
        end(s.duration + options.drainLimit),
        configJson(s.gatewayJson),
        pending(s.changes.begin(), s.changes.end()) {
    transport.attach(env.clock(), env.scheduler());
    shared.setUnixTimeOffset(s.startUnixSeconds * gateway::kSecond);
    gateway::installStandardStages(gateway, shared, env.env());
    fleet.setObserver(&recorder);
    fleet.scheduleOutages();
    result.scenario = s.name;
    result.seed = seed;
    traffic.setArrivalListener(&arrivals);
    traffic.setClientLatency(s.clientLatency);
    traffic.start();
  }

  // Changes due by `t` (those at or before the next event's time), each at its own time.
  void applyChangesThrough(TimePoint t) {
    while (next < pending.size() && pending[next].at <= t) {
      const ConfigChange& c = pending[next++];
      if (c.at > env.now()) env.clock().set(c.at);
      gateway::FieldErrors errors;
      nlohmann::json updated = configJson;
      if (!applyConfigChange(c, updated, "", errors)) continue;  // checked when it was added
      auto load = gateway::loadConfigJson(updated, "", scenario.configDir);
      if (!load.ok()) continue;
      configJson = std::move(updated);
      fleet.reload(load.config);
    }
  }

  const Scenario& scenario;
  gateway::Random root;
  SimTransport transport;
  SimEnv env;
  gateway::SharedState shared;
  RunResult result;
  RunRecorder recorder;  // outlives the Gateway, which reports to it
  gateway::Gateway gateway;
  Fleet fleet;  // the gateway instances; instance 0 is `gateway`
  ClientTraffic traffic;
  TimePoint end;
  nlohmann::json configJson;
  std::vector<ConfigChange> pending;  // in time order; [next, size) not yet applied
  std::size_t next = 0;
  std::unique_ptr<ObserverPair> pair;
  ArrivalListener arrivals;
  std::uint64_t events = 0;
  bool finished = false;
};

SimulationRun::SimulationRun(const Scenario& scenario, const RunOptions& options)
    : seed_(options.seed.value_or(scenario.seed)), world_(std::make_unique<World>(scenario, options, seed_)) {}

SimulationRun::~SimulationRun() = default;

bool SimulationRun::step() {
  World& w = *world_;
  const TimePoint at = w.env.scheduler().nextTime();
  if (at > w.end) return false;  // kNever too
  w.applyChangesThrough(at);
  w.env.scheduler().runNext();
  ++w.events;
  return true;
}

std::uint64_t SimulationRun::advanceTo(TimePoint t) { return advanceBounded(t, UINT64_MAX); }

std::uint64_t SimulationRun::advanceBounded(TimePoint t, std::uint64_t maxEvents) {
  World& w = *world_;
  const TimePoint until = std::min(t, w.end);
  const std::uint64_t fired = fire(until, maxEvents);
  if (fired < maxEvents) {
    w.applyChangesThrough(until);
    if (until > w.env.now()) w.env.clock().set(until);
  }
  return fired;
}

std::uint64_t SimulationRun::runEvents(std::uint64_t maxEvents) { return fire(world_->end, maxEvents); }

std::uint64_t SimulationRun::fire(TimePoint until, std::uint64_t maxEvents) {
  World& w = *world_;
  auto& sched = w.env.scheduler();
  std::uint64_t fired = 0;
  if (w.next < w.pending.size()) {
    // Changes pending: look at each event's time first.
    while (fired < maxEvents) {
      const TimePoint at = sched.nextTime();
      if (at > until) break;
      w.applyChangesThrough(at);
      sched.runNext();
      ++fired;
    }
  } else {
    while (fired < maxEvents && sched.runNextUntil(until)) ++fired;
  }
  w.events += fired;
  return fired;
}

TimePoint SimulationRun::now() const { return world_->env.now(); }
TimePoint SimulationRun::end() const { return world_->end; }
TimePoint SimulationRun::nextEventTime() const { return world_->env.scheduler().nextTime(); }
bool SimulationRun::done() const { return world_->env.scheduler().nextTime() > world_->end; }
std::uint64_t SimulationRun::events() const { return world_->events; }
std::uint64_t SimulationRun::completed() const { return world_->recorder.completed(); }
std::uint64_t SimulationRun::traceHash() const { return world_->recorder.traceHash(); }

FaultSpec SimulationRun::addFault(FaultSpec fault) {
  fault.at = now() + 1;
  world_->transport.faults().add(fault);
  return fault;
}

std::vector<std::string> SimulationRun::changeConfig(const ConfigChange& change) {
  World& w = *world_;
  ConfigChange c = change;
  c.at = now() + 1;
  // Checked against the config it will apply to: the current one plus every change pending.
  nlohmann::json config = w.configJson;
  gateway::FieldErrors errors;
  for (std::size_t i = w.next; i < w.pending.size(); ++i) applyConfigChange(w.pending[i], config, "", errors);
  if (applyConfigChange(c, config, "", errors)) {
    auto load = gateway::loadConfigJson(config, "", w.scenario.configDir);
    for (const auto& e : load.errors.list()) errors.add(e.path, e.message);
  }
  std::vector<std::string> out;
  for (const auto& e : errors.list()) out.push_back(e.str());
  if (!out.empty()) return out;
  const auto pos = std::upper_bound(w.pending.begin() + static_cast<std::ptrdiff_t>(w.next), w.pending.end(), c.at,
                                    [](TimePoint t, const ConfigChange& p) { return t < p.at; });
  w.pending.insert(pos, std::move(c));
  return out;
}

const nlohmann::json& SimulationRun::configJson() const { return world_->configJson; }

nlohmann::json SimulationRun::policySnapshot() const { return gateway::policySnapshot(world_->shared, now()); }
nlohmann::json SimulationRun::fleetSnapshot() const { return world_->fleet.active() ? world_->fleet.snapshot() : nullptr; }
const gateway::SharedState& SimulationRun::shared() const { return world_->shared; }
const SimTransport& SimulationRun::transport() const { return world_->transport; }
const RunResult& SimulationRun::result() const { return world_->result; }

void SimulationRun::setObserver(gateway::ExchangeObserver* observer) {
  World& w = *world_;
  if (observer) {
    w.pair = std::make_unique<ObserverPair>(w.recorder, *observer);
    w.fleet.setObserver(w.pair.get());
  } else {
    w.fleet.setObserver(&w.recorder);
    w.pair.reset();
  }
}

void SimulationRun::setArrivalListener(ArrivalListener listener) { world_->arrivals = std::move(listener); }

RunResult SimulationRun::finish() {
  World& w = *world_;
  w.recorder.finish();
  RunResult& r = w.result;
  r.events = w.events;
  r.simulated = std::max<gateway::Duration>(w.scenario.duration, w.env.now());
  r.clientRequests = w.traffic.clientRequests();
  r.gatewayRequests = w.traffic.gatewayRequests();
  r.retries = w.traffic.retries();
  r.sentWhileFailing = w.transport.sentWhileFailing();
  r.failingService = failingService(w.scenario.faults);
  if (w.fleet.active()) {
    FleetReport& f = r.fleet.emplace();
    for (const auto& in : w.fleet.report()) f.requests.push_back(in.requests);
    f.noInstance = w.fleet.unanswered();
    const auto& st = w.fleet.store().stats();
    f.storeDecisions = st.decisions;
    f.storeDenied = st.denied;
    f.storeFailed = st.failed;
    f.storeWindowAdds = st.windowAdds;
  }
  for (const auto& v : w.transport.instances()) {
    const auto& c = *v.counters;
    r.instances.push_back({v.service, v.instance, c.received, c.served, c.rejected, c.errors, c.timedOut, c.refused,
                           c.resets, c.aborted, c.hung, c.maxBusy, c.maxQueued});
  }
  if (r.content.enabled) {
    // The content report's run-wide parts: upstream requests per service, stampede fetches and
    // the cache's counters (its policy report section, read without the rest of the snapshot).
    ContentReport& c = r.content;
    for (const auto& v : w.transport.instances()) c.upstreamRequests[v.service] += v.counters->received;
    if (w.scenario.stampede) {
      c.stampedeFetches = w.transport.stampedeFetches();
      c.stampedeBursts = w.scenario.stampede->bursts.size();
    }
    for (const auto& reporter : w.shared.reporters()) {
      if (reporter->name() == "cache") reporter->snapshot(w.env.now(), c.cache);
    }
  }
  checkExpectations(w.scenario.expectations, r);
  return std::move(r);
}

}  // namespace gwsim
