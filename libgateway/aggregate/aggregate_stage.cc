#include "libgateway/aggregate/aggregate_stage.h"

#include "libgateway/aggregate/aggregate_config.h"
#include "libgateway/pipeline/shared_state.h"

namespace gateway {

AggregateStage::AggregateStage(std::size_t slot, Env& env, std::shared_ptr<AggregateStats> stats)
    : Stage(kRequest), slot_(slot), env_(env), stats_(std::move(stats)), caller_(env) {}

AggregateStage::~AggregateStage() {
  // Runs still alive (their exchanges held by a transport or their deadline timer) forget
  // this stage; detaching may end them.
  while (AggregateRun* run = runs_.front()) {
    runs_.remove(run);
    run->detach();
  }
}

StageSpec AggregateStage::spec() {
  return {"aggregate", {"aggregate", &loadAggregate, /*terminal=*/true},
          [](const StageSetup& setup) -> std::unique_ptr<Stage> {
            auto stats = setup.shared.stageShared<AggregateStats>("aggregate", [] { return std::make_shared<AggregateStats>(); });
            setup.shared.addReporter(stats);  // false (and nothing added) after the first Gateway
            return std::make_unique<AggregateStage>(setup.slot, setup.env, std::move(stats));
          },
          [](const RouteConfig& route, std::size_t slot) { return route.extension<AggregateSpec>(slot) != nullptr; }};
}

std::optional<Response> AggregateStage::onRequest(Exchange& exchange) {
  const RouteConfig* route = exchange.route();
  const AggregateSpec* spec = route ? route->extension<AggregateSpec>(slot_) : nullptr;
  if (!spec) return std::nullopt;
  caller_.setObserver(exchange.observer());  // the parts' breaker transitions and ejections
  auto run = std::make_unique<AggregateRun>(*this, exchange, *spec);
  AggregateRun& started = *run;
  exchange.setStageState(slot_, std::move(run));
  started.begin(exchange.pause());
  return std::nullopt;
}

}  // namespace gateway
