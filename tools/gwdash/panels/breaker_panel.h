// The circuit-breaker panel, per service with a breaker: the state machine as three nodes
// (CLOSED, OPEN, HALF-OPEN) with the current one lit and the transitions as arrows; the
// window's failure rate (and slow-call rate) over the last two minutes against the threshold
// (consecutive mode: failures in a row against max_errors); the transitions on a time axis,
// each with its reason on hover.
#pragma once

#include "tools/gwdash/model/breaker_model.h"
#include "tools/gwdash/panels/panel.h"

namespace gwdash {

class BreakerPanel : public Panel {
 public:
  std::string_view name() const override { return "breaker"; }
  std::string_view title() const override { return "Circuit breakers"; }
  void draw(gateway::TimePoint now) override;

  void reset(const DashboardContext& context) override { model_.reset(context); }
  void onSnapshot(gateway::TimePoint now, const nlohmann::json& policies) override { model_.onSnapshot(now, policies); }
  void onConfig(const DashboardContext& context) override { model_.onConfig(context); }

  const BreakerModel& model() const { return model_; }

 private:
  void drawBreaker(const BreakerView& view);
  BreakerModel model_;
};

}  // namespace gwdash
