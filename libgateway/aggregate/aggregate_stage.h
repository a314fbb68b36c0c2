// The terminal of an aggregation route (route field "aggregate", aggregate_config.h): the last
// stage, it pauses the exchange, runs the route's parts as upstream calls (each a full call
// of its service: balancing, breaker, retries, timeouts, concurrency cap), independent parts
// at once and a dependent part as soon as the parts it reads have answered, merges the
// answers (aggregate_merge.h) and answers through the Resumer. The route's deadline is one
// timer: when it fires, the parts still running are cancelled (`timeout`) and those still
// waiting are `skipped`. Counters go to the "aggregate" section of the policy report
// (aggregate_stats.h). One per Gateway, with its own UpstreamCaller, which reports the part
// calls' breaker transitions and outlier events to the Gateway's observer.
#pragma once

#include <memory>

#include "libgateway/aggregate/aggregate_run.h"
#include "libgateway/aggregate/aggregate_stats.h"
#include "libgateway/pipeline/stage.h"
#include "libgateway/pipeline/stage_list.h"
#include "libgateway/pipeline/upstream_caller.h"

namespace gateway {

class AggregateStage final : public Stage {
 public:
  AggregateStage(std::size_t slot, Env& env, std::shared_ptr<AggregateStats> stats);
  ~AggregateStage() override;
  AggregateStage(const AggregateStage&) = delete;
  AggregateStage& operator=(const AggregateStage&) = delete;

  std::optional<Response> onRequest(Exchange& exchange) override;

  // Its entry in the stage list: the "aggregate" route field (terminal) and the factory.
  static StageSpec spec();

 private:
  friend class AggregateRun;

  std::size_t slot_;
  Env& env_;
  std::shared_ptr<AggregateStats> stats_;
  UpstreamCaller caller_;  // the parts' calls; destroyed after the runs are detached
  IntrusiveList<AggregateRun, &AggregateRun::liveHook_> runs_;  // not yet destroyed
};

}  // namespace gateway
