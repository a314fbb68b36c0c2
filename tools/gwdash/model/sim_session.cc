#include "tools/gwdash/model/sim_session.h"

#include <algorithm>
#include <chrono>

#include "libgateway/pipeline/exchange.h"
#include "libgateway/pipeline/gateway_runtime.h"
#include "sim/scenario/config_change.h"

namespace gwdash {

using gateway::Duration;
using gateway::TimePoint;

// Turns each exchange the run completes into a RequestRecord for the listeners.
class SimSession::Relay final : public gateway::ExchangeObserver {
 public:
  explicit Relay(SimSession& session) : session_(session) {}
  void onComplete(const gateway::Exchange& ex, const gateway::Response& response) override {
    const RequestRecord record = recordOf(ex, response, ++count_);
    for (DashboardListener* l : session_.listeners_) l->onRequest(record);
  }

 private:
  SimSession& session_;
  std::uint64_t count_ = 0;
};

SimSession::SimSession(nlohmann::json document, gwsim::Scenario scenario, std::optional<std::uint64_t> seed)
    : document_(std::move(document)), base_(std::move(scenario)), seedOverride_(seed) {
  startRun();
}

SimSession::~SimSession() = default;

std::unique_ptr<SimSession> SimSession::open(const std::string& path, std::optional<std::uint64_t> seed,
                                             gateway::FieldErrors& errors) {
  auto load = gwsim::loadScenarioFile(path);
  for (const auto& e : load.errors.list()) errors.add(e.path, e.message);
  if (!load.ok()) return nullptr;
  auto document = gwsim::readScenarioDocument(path, errors);
  if (!document) return nullptr;
  return std::make_unique<SimSession>(std::move(*document), std::move(*load.scenario), seed);
}

void SimSession::addListener(DashboardListener* listener) {
  listeners_.push_back(listener);
  listener->reset(context_);
}

TimePoint SimSession::now() const { return run_->now(); }
TimePoint SimSession::end() const { return run_->end(); }
bool SimSession::done() const { return run_->done(); }
std::uint64_t SimSession::seed() const { return run_->seed(); }
std::uint64_t SimSession::events() const { return run_->events(); }
std::uint64_t SimSession::traceHash() const { return run_->traceHash(); }

void SimSession::startRun() {
  run_.reset();  // it refers to scenario_
  scenario_ = base_;
  for (const auto& f : liveFaults_) scenario_.faults.push_back(f);
  for (const auto& c : liveChanges_) scenario_.changes.push_back(c);
  std::stable_sort(scenario_.changes.begin(), scenario_.changes.end(),
                   [](const gwsim::ConfigChange& a, const gwsim::ConfigChange& b) { return a.at < b.at; });
  gwsim::RunOptions options;
  options.seed = seedOverride_;
  run_ = std::make_unique<gwsim::SimulationRun>(scenario_, options);
  relay_ = std::make_unique<Relay>(*this);
  run_->setObserver(relay_.get());
  run_->setArrivalListener([this](const gwsim::Arrival& a) {
    for (DashboardListener* l : listeners_) l->onArrival(a);
  });
  nextTick_ = kSnapshotTick;
  configVersion_ = run_->shared().version();
  context_.config = scenario_.gateway;
  context_.scenario = &scenario_;
  context_.title = scenario_.name;
  context_.lesson = scenario_.description;
  for (DashboardListener* l : listeners_) l->reset(context_);
}

// Tick `nextTick_` is due: every event up to it has fired and none after it has.
void SimSession::emitTick() {
  const TimePoint at = nextTick_;
  run_->advanceTo(at);  // fires nothing more; stands the clock (and pending changes) at the tick
  const std::uint64_t version = run_->shared().version();
  if (version != configVersion_) {
    configVersion_ = version;
    context_.config = run_->shared().runtime()->configPtr();
    for (DashboardListener* l : listeners_) l->onConfig(context_);
  }
  nlohmann::json snapshot = run_->policySnapshot();
  if (nlohmann::json fleet = run_->fleetSnapshot(); !fleet.is_null()) snapshot["fleet"] = std::move(fleet);
  for (DashboardListener* l : listeners_) l->onSnapshot(at, snapshot);
  if (at % gateway::kSecond == 0) {
    const Checkpoint c{at, run_->events(), run_->traceHash()};
    const std::size_t index = static_cast<std::size_t>(at / gateway::kSecond) - 1;
    if (index < checkpoints_.size()) {
      ++compared_;
      if (checkpoints_[index].events == c.events && checkpoints_[index].traceHash == c.traceHash) ++matched_;
      checkpoints_[index] = c;
    } else if (index == checkpoints_.size()) {
      checkpoints_.push_back(c);
    }
  }
  nextTick_ += kSnapshotTick;
}

std::uint64_t SimSession::advance(Duration simulated, std::uint64_t maxEvents) {
  const TimePoint target = std::min(run_->now() + simulated, run_->end());
  std::uint64_t fired = 0;
  while (nextTick_ <= target) {
    fired += run_->advanceBounded(nextTick_, maxEvents - fired);
    if (fired >= maxEvents && run_->nextEventTime() <= nextTick_) return fired;
    emitTick();
  }
  if (fired < maxEvents) fired += run_->advanceBounded(target, maxEvents - fired);
  return fired;
}

bool SimSession::stepEvent() {
  const TimePoint next = run_->nextEventTime();
  if (next > run_->end()) return false;
  while (nextTick_ < next) emitTick();
  return run_->step();
}

bool SimSession::stepRequest() {
  const std::uint64_t before = run_->completed();
  // Bounded by the run: it ends when no event is left by end().
  while (run_->completed() == before) {
    if (!stepEvent()) return false;
  }
  return true;
}

void SimSession::stepSecond() {
  const TimePoint next = (run_->now() / gateway::kSecond + 1) * gateway::kSecond;
  advance(next - run_->now());
}

JumpReport SimSession::jumpTo(TimePoint target) {
  const auto wallStart = std::chrono::steady_clock::now();
  startRun();
  compared_ = matched_ = 0;
  const std::uint64_t before = run_->events();
  advance(std::max<TimePoint>(0, target));
  JumpReport report;
  report.target = run_->now();
  report.events = run_->events() - before;
  report.wallMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wallStart).count();
  report.compared = compared_;
  report.matched = matched_;
  return report;
}

void SimSession::restart(std::optional<std::uint64_t> seed) {
  if (seed && *seed != run_->seed()) checkpoints_.clear();  // another run: nothing to compare with
  if (seed) seedOverride_ = seed;
  startRun();
}

void SimSession::forgetCheckpointsAfterNow() {
  const TimePoint t = run_->now();
  while (!checkpoints_.empty() && checkpoints_.back().at > t) checkpoints_.pop_back();
}

void SimSession::injectFault(gwsim::FaultSpec fault) {
  const gwsim::FaultSpec added = run_->addFault(std::move(fault));
  liveFaults_.push_back(added);
  timeline_.push_back({added.at, "fault", added.describe()});
  forgetCheckpointsAfterNow();
}

std::vector<std::string> SimSession::changeConfig(gwsim::ConfigChange change) {
  auto errors = run_->changeConfig(change);
  if (!errors.empty()) return errors;
  change.at = run_->now() + 1;
  timeline_.push_back({change.at, "change", change.note.empty() ? change.describe() : change.note + ": " + change.describe()});
  liveChanges_.push_back(std::move(change));
  forgetCheckpointsAfterNow();
  return errors;
}

void SimSession::dropTimelineAfterNow() {
  const TimePoint t = run_->now();
  auto after = [t](const auto& x) { return x.at > t; };
  std::erase_if(liveFaults_, after);
  std::erase_if(liveChanges_, after);
  std::erase_if(timeline_, after);
  checkpoints_.clear();
}

nlohmann::json SimSession::exportScenario() const {
  nlohmann::json doc = document_;
  doc["seed"] = run_->seed();
  if (!liveFaults_.empty()) {
    nlohmann::json& faults = doc["faults"];
    if (!faults.is_array()) faults = nlohmann::json::array();
    for (const auto& f : liveFaults_) faults.push_back(f.toJson());
  }
  if (!liveChanges_.empty()) {
    nlohmann::json& changes = doc["changes"];
    if (!changes.is_array()) changes = nlohmann::json::array();
    for (const auto& c : liveChanges_) changes.push_back(gwsim::toJson(c));
  }
  return doc;
}

}  // namespace gwdash
