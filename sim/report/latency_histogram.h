// The simulator's reports use the toolkit's one latency histogram (7 sub-bits there).
#pragma once

#include "libgateway/core/latency_histogram.h"

namespace gwsim {
using LatencyHistogram = gateway::LatencyHistogram;
}  // namespace gwsim
