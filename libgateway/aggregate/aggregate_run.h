// One aggregation in progress: the exchange's state at the aggregate stage's slot (the
// exchange owns it). It holds one UpstreamCall per part, starts a part once every part its
// path reads has answered, collects a streamed part body within max_part_bytes, and answers
// when every part is done or the route's deadline fires.
// Ownership: the deadline timer's callback holds the pause's Resumer, which holds the
// exchange, so a paused aggregation lives until it answers or its deadline passes; the run
// keeps only a weak reference to it (no cycle through the exchange). Every callback into the
// run first takes a reference to the exchange, as answering may release the last one.
// One thread (its Gateway's). The stage that made it detaches it when it goes first.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "libgateway/aggregate/aggregate_merge.h"
#include "libgateway/aggregate/aggregate_stats.h"
#include "libgateway/core/intrusive_list.h"
#include "libgateway/pipeline/body_collector.h"
#include "libgateway/pipeline/exchange.h"

namespace gateway {

class AggregateStage;
class AggregateRun;

// A part's call and what it is waiting for.
struct AggregatePartRun final : CallListener {
  enum class State : std::uint8_t { kWaiting, kRunning, kDone };
  AggregateRun* run = nullptr;
  std::size_t index = 0;
  State state = State::kWaiting;
  std::size_t waitingOn = 0;  // dependencies not answered yet
  TimePoint start = 0;
  std::string contentEncoding;
  std::unique_ptr<BodyCollector> collector;  // reading a streamed body
  UpstreamCall call;                         // last: destroyed first

  void onCallAnswer(UpstreamCall& call, Response&& response, std::string_view outcome) override;
};

class AggregateRun final : public StageState {
 public:
  AggregateRun(AggregateStage& stage, Exchange& exchange, const AggregateSpec& spec);
  ~AggregateRun() override;
  AggregateRun(const AggregateRun&) = delete;
  AggregateRun& operator=(const AggregateRun&) = delete;

  // Takes the pause's Resumer, arms the deadline and starts the parts without dependencies.
  void begin(Resumer resumer);
  // The stage goes away: nothing more is started or answered, and the deadline timer lets go
  // of the exchange (which may end this run).
  void detach();

  const std::vector<PartResult>& results() const { return results_; }

 private:
  friend struct AggregatePartRun;
  friend class AggregateStage;

  bool alive() const;
  void startPart(std::size_t i);
  void onPartAnswer(std::size_t i, Response&& response, std::string_view outcome);
  void onPartBody(std::size_t i, BodyCollector::Result result, std::string body);
  void finishPart(std::size_t i);
  void onDeadline();
  void complete();

  AggregateStage* stage_;  // null once detached
  Env& env_;
  Exchange& exchange_;
  const AggregateSpec& spec_;
  std::shared_ptr<AggregateStats> stats_;
  std::weak_ptr<Resumer> resumer_;  // held by the deadline timer
  TimerId deadlineTimer_ = 0;
  std::vector<PartResult> results_;                  // by part index
  std::vector<const nlohmann::json*> documents_;     // the ok parts' answers, for dependents
  std::size_t remaining_ = 0;                        // parts not done
  bool starting_ = false;
  bool answered_ = false;
  bool deadlinePassed_ = false;
  std::string target_;  // a part's path being filled
  ListHook<AggregateRun> liveHook_;  // the stage's list of runs
  std::unique_ptr<AggregatePartRun[]> parts_;  // last: their calls go first
};

}  // namespace gateway
