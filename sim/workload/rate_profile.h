// How a client group's request rate varies over simulated time: a base rate shaped by ramp
// stages, a diurnal sine, a flash-crowd step and on/off bursts (applied in that order).
// Immutable after parse; rateAt() is a pure function of time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/config/json_reader.h"
#include "libgateway/core/time.h"

namespace gwsim {

struct RateProfile {
  struct Stage {
    gateway::Duration length = 0;
    double target = 0;  // the rate reached, linearly, by the end of the stage
  };
  double rate = 0;  // requests per second at t = 0 (and throughout without stages)
  std::vector<Stage> stages;
  bool diurnal = false;
  gateway::Duration diurnalPeriod = 0;
  double diurnalAmplitude = 0;  // 0..1: rate * (1 + a*sin(2*pi*t/period))
  bool flash = false;
  gateway::TimePoint flashAt = 0;
  gateway::Duration flashLength = 0;
  double flashMultiplier = 1;
  bool onOff = false;
  gateway::Duration on = 0, off = 0;

  // Requests per second at time t (>= 0).
  double rateAt(gateway::TimePoint t) const;
  // An upper bound of rateAt over all t, for thinning.
  double maxRate() const;
  // Expected number of arrivals in [0, t), by numeric integration (tests use it).
  double expectedArrivals(gateway::TimePoint t) const;

  // Reads "rate", "stages", "diurnal", "flash_crowd", "on_off" from an arrival object's reader.
  static RateProfile parse(gateway::JsonReader& reader);
};

}  // namespace gwsim
