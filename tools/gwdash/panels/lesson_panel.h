// The lesson: what the scenario teaches (its description, wrapped to the column) and the run's
// timeline: the faults and config changes the scenario file schedules, and the live ones made
// in this session (fault buttons, policy switches), each with its time; those already past
// are lit, the ones to come greyed. Attached to a live gatewayd it shows the URL and the
// config reloads it has seen.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tools/gwdash/model/sim_session.h"
#include "tools/gwdash/panels/panel.h"

namespace gwdash {

// The scenario file's own faults and changes as timeline entries, in time order.
std::vector<TimelineEntry> scheduledEntries(const gwsim::Scenario& scenario);

class LessonPanel : public Panel {
 public:
  std::string_view name() const override { return "lesson"; }
  std::string_view title() const override { return "Lesson"; }
  void reset(const DashboardContext& context) override;
  void onConfig(const DashboardContext& context) override;
  void draw(gateway::TimePoint now) override;

  // The simulated session's timeline: the scenario file's entries (scheduledEntries of the
  // scenario as loaded) and the session's live ones (not owned). Without it, reset() takes the
  // scheduled entries from the context's scenario.
  void setTimeline(std::vector<TimelineEntry> scheduled, const std::vector<TimelineEntry>* live) {
    scheduled_ = std::move(scheduled);
    scheduleGiven_ = true;
    live_ = live;
  }

  // The entries to show at this point, scheduled and live merged in time order (tests, draw).
  std::vector<TimelineEntry> entries() const;

 private:
  void drawTimelineBar(gateway::TimePoint now, const std::vector<TimelineEntry>& all);

  std::string title_;
  std::string lesson_;
  gateway::Duration duration_ = 0;  // 0: unknown (attach mode)
  std::vector<TimelineEntry> scheduled_;
  std::vector<TimelineEntry> reloads_;  // attach mode: config reloads seen
  bool scheduleGiven_ = false;
  const std::vector<TimelineEntry>* live_ = nullptr;
  gateway::TimePoint lastNow_ = 0;
};

}  // namespace gwdash
