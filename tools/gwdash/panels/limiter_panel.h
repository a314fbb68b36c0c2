// The rate-limiter lab ("limiter"): a column per algorithm, fed the same traffic, with its
// gauge over time (tokens, window count, log, GCRA's TAT, the leaky queue, in flight),
// admitted against denied per second, its state now in words, and the most one key got
// through in a window against the limit (red above it); the lesson of the run on top.
// Attached to a live gatewayd, the gateway's own rate_limits stores instead. Owns its
// LimiterLabModel; dashboard thread only.
#pragma once

#include <string_view>

#include "tools/gwdash/model/limiter_lab_model.h"
#include "tools/gwdash/panels/panel.h"

namespace gwdash {

class LimiterPanel : public Panel {
 public:
  std::string_view name() const override { return "limiter"; }
  std::string_view title() const override { return "Rate-limiter lab"; }
  void draw(gateway::TimePoint now) override;

  void reset(const DashboardContext& context) override { model_.reset(context); }
  void onArrival(const gwsim::Arrival& arrival) override { model_.onArrival(arrival); }
  void onSnapshot(gateway::TimePoint now, const nlohmann::json& policies) override { model_.onSnapshot(now, policies); }
  void onConfig(const DashboardContext& context) override { model_.onConfig(context); }

  const LimiterLabModel& model() const { return model_; }

 private:
  void drawHeader();
  void drawLane(const LabLane& lane);
  void drawStores();

  LimiterLabModel model_;
  int shownSeconds_ = 60;  // simulated seconds the charts show, ending at the latest tick
  float gaugeHeight_ = 80.0f;
  float barsHeight_ = 40.0f;
};

}  // namespace gwdash
