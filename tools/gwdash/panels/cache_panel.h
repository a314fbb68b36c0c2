// The cache-and-aggregation panel. Cache (per route, or all routes): hits, misses, stale
// answers and coalesced waiters per simulated second, entries and bytes against their limits.
// Aggregation (per aggregation route): answers complete / partial / failed per second, the
// route's latency, and a row per part with its statuses and mean latency.
#pragma once

#include <string>

#include "tools/gwdash/model/cache_model.h"
#include "tools/gwdash/panels/panel.h"

namespace gwdash {

class CachePanel : public Panel {
 public:
  std::string_view name() const override { return "cache"; }
  std::string_view title() const override { return "Cache and aggregation"; }
  void draw(gateway::TimePoint now) override;

  void reset(const DashboardContext& context) override { model_.reset(context); }
  void onRequest(const RequestRecord& record) override { model_.onRequest(record); }
  void onSnapshot(gateway::TimePoint now, const nlohmann::json& policies) override { model_.onSnapshot(now, policies); }
  void onConfig(const DashboardContext& context) override { model_.onConfig(context); }

  const CacheModel& model() const { return model_; }

 private:
  void drawCache();
  void drawAggregation();
  CacheModel model_;
  std::string route_;  // the cache route shown; "" for all routes
};

}  // namespace gwdash
