// The request inspector: the last requests in a table (time, route, consumer, status, outcome,
// latency), filtered by status, route and outcome text; a picked row is told as its journey
// through the gateway, stage by stage with each verdict. A time selected on the latency chart
// scrolls the table to the requests that ended then. Owns its InspectorModel. Dashboard
// thread only.
#pragma once

#include <array>
#include <optional>

#include "tools/gwdash/model/inspector_model.h"
#include "tools/gwdash/panels/panel.h"

namespace gwdash {

class InspectorPanel : public Panel {
 public:
  std::string_view name() const override { return "inspector"; }
  std::string_view title() const override { return "Request inspector"; }
  void reset(const DashboardContext& context) override;
  void onRequest(const RequestRecord& record) override { model_.onRequest(record); }
  void draw(gateway::TimePoint now) override;

  const InspectorModel& model() const { return model_; }

 private:
  void drawFilters();
  void drawTable(float height);
  void drawJourney(const RequestRecord& record);

  InspectorModel model_;
  std::array<char, 16> status_{};
  std::array<char, 64> outcome_{};
  std::string route_;
  bool follow_ = true;  // keep the newest request in view
  std::optional<gateway::TimePoint> shownTime_;  // the selected time the table last scrolled to
  std::optional<std::size_t> scrollToRow_;
};

}  // namespace gwdash
