// A completed request told as its way through the gateway: each pipeline stage in order
// (request, route, consumer, rate limit, cache, circuit breaker, upstream, response) with its
// verdict, which stage decided the answer, and the stages the request never reached. Built
// from the RequestRecord alone, so it reads the same for simulated and live requests.
#pragma once

#include <string>
#include <vector>

#include "tools/gwdash/model/request_record.h"

namespace gwdash {

struct JourneyStep {
  std::string stage;      // "request", "route", "consumer", "rate limit", "cache", "circuit breaker", "upstream", "response"
  std::string verdict;    // "matched api", "denied", "hit", "not reached", ...
  std::string detail;     // the names and numbers behind the verdict ("" when none)
  bool reached = true;    // false for the stages after the one that ended the request
  bool decisive = false;  // this stage decided the answer
};

// The stages of `record`, in pipeline order (always eight).
std::vector<JourneyStep> journeyOf(const RequestRecord& record);
// The same as text, one stage a line:
// "rate limit: denied (policy free, retry after 120.0 ms)  <- decided the answer".
std::string journeyText(const RequestRecord& record);

}  // namespace gwdash
