#include "tools/gwload/schedule.h"

#include <cmath>

namespace gwload {

std::string_view toString(Arrival arrival) { return arrival == Arrival::kPoisson ? "poisson" : "constant"; }

namespace {

gateway::Duration microsAt(double seconds) { return static_cast<gateway::Duration>(std::llround(seconds * 1e6)); }

}  // namespace

Schedule::Schedule(Arrival arrival, double rate, gateway::Duration length, std::uint64_t seed, int part, int parts)
    : arrival_(arrival),
      rate_(rate / parts),
      length_(length),
      random_(gateway::Random(seed).stream("gwload/arrivals", static_cast<std::uint64_t>(part))),
      phase_(static_cast<double>(part) / parts) {
  // Constant: the first request at 0 (the part's shift); Poisson: one gap in (memoryless).
  if (arrival_ == Arrival::kConstant) {
    next_ = microsAt(phase_ / rate_);
  } else if (part > 0) {
    poissonAt_ = -std::log1p(-random_.unit()) / rate_;
    next_ = microsAt(poissonAt_);
  }
}

void Schedule::advance() {
  ++index_;
  if (arrival_ == Arrival::kConstant) {
    // From the index, not by adding gaps: no rounding drift over millions of requests.
    next_ = microsAt((static_cast<double>(index_) + phase_) / rate_);
    return;
  }
  // An exponential gap with mean 1/rate: -ln(1 - U) / rate, U in [0, 1).
  poissonAt_ += -std::log1p(-random_.unit()) / rate_;
  next_ = microsAt(poissonAt_);
}

}  // namespace gwload
