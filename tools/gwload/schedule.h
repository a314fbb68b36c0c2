// gwload's arrival schedule: the intended send time of every request, fixed before the run
// (open loop: a slow answer never delays the next request). Constant spacing, or a Poisson
// process (exponential gaps) drawn from a seed, so a run's schedule is reproducible.
#pragma once

#include <cstdint>
#include <string_view>

#include "libgateway/core/random.h"
#include "libgateway/core/time.h"

namespace gwload {

enum class Arrival { kConstant, kPoisson };

std::string_view toString(Arrival arrival);

class Schedule {
 public:
  // `rate` requests per second (> 0), for `length` microseconds from offset 0. Several
  // threads share a rate as interleaved schedules: thread `part` of `parts`, each at
  // rate/parts (constant: shifted by part/parts of a gap; Poisson: its own random stream).
  Schedule(Arrival arrival, double rate, gateway::Duration length, std::uint64_t seed, int part = 0, int parts = 1);

  // True while another request is due before the end; next() is then its offset.
  bool more() const { return next_ < length_; }
  // The intended offset (microseconds from the start) of the next request.
  gateway::Duration next() const { return next_; }
  // Moves to the request after.
  void advance();
  std::uint64_t issued() const { return index_; }

 private:
  Arrival arrival_;
  double rate_;
  gateway::Duration length_;
  gateway::Random random_;
  std::uint64_t index_ = 0;
  double phase_ = 0.0;      // constant: this part's shift, in gaps
  double poissonAt_ = 0.0;  // seconds, exact sum of the gaps so far
  gateway::Duration next_ = 0;
};

}  // namespace gwload
