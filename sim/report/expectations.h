// A scenario's expectations ("p99_ms{route=products} < 100") checked against what a run
// measured, through RunResult::metric. Plain functions; the result is the caller's (one
// thread at a time).
#pragma once

#include <vector>

#include "sim/report/run_result.h"

namespace gwsim {

struct Expectation;  // sim/scenario/scenario.h

// Appends one ExpectationResult per expectation, in order, to `result.expectations`.
void checkExpectations(const std::vector<Expectation>& expectations, RunResult& result);

}  // namespace gwsim
