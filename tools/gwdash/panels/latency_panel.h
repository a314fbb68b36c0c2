// Latency and load: p50 and p99 per simulated second over the last two minutes (clicking a
// second of the p99 chart selects that time for the inspector), the requests of each second
// stacked by status class, a histogram of the last seconds' latencies in log-spaced buckets,
// and the current second's numbers. Owns its LatencyModel. Dashboard thread only.
#pragma once

#include "tools/gwdash/model/latency_model.h"
#include "tools/gwdash/panels/panel.h"

namespace gwdash {

class LatencyPanel : public Panel {
 public:
  std::string_view name() const override { return "latency"; }
  std::string_view title() const override { return "Latency and load"; }
  void reset(const DashboardContext& context) override { model_.reset(context); }
  void onRequest(const RequestRecord& record) override { model_.onRequest(record); }
  void onSnapshot(gateway::TimePoint now, const nlohmann::json& policies) override { model_.onSnapshot(now, policies); }
  void draw(gateway::TimePoint now) override;

  const LatencyModel& model() const { return model_; }

 private:
  void drawPercentiles(const std::vector<LatencySecond>& series, float height);
  void drawStatuses(const std::vector<LatencySecond>& series, float height);
  void drawHistogram(float height);

  LatencyModel model_;
};

}  // namespace gwdash
