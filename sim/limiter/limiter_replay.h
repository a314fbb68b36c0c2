// LimiterReplay: runs one rate-limit policy over a request trace in virtual time, through
// the same gateway::LimiterStore the gateway uses, and measures what it admitted.
// Not thread-safe (one replay, one thread); owns its store. Requests must come in time order.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

#include "libgateway/core/time.h"
#include "libgateway/ratelimit/limit_decision.h"
#include "libgateway/ratelimit/limiter_spec.h"
#include "libgateway/ratelimit/limiter_store.h"
#include "sim/limiter/trace_parser.h"

namespace gwsim {

struct ReplayOptions {
  gateway::LimiterSpec spec;
  // concurrency: every admitted request stays in flight this long, then is released.
  // Releases due at time t happen before the requests that arrive at t.
  gateway::Duration hold = 0;
  // Length of the sliding window in which admissions are counted (summary); 0: spec.window,
  // or 1 s for the algorithms without a window.
  gateway::Duration measureWindow = 0;
  // The quota per measureWindow that `overshoot` is relative to; 0: derived from the spec
  // (limit * measureWindow / window, or rate * measureWindow, or the concurrency limit).
  std::int64_t referenceLimit = 0;
  std::int64_t maxKeys = 1'000'000;
};

struct ReplaySummary {
  std::string algorithm;
  std::int64_t requests = 0;
  std::int64_t admitted = 0;
  std::int64_t denied = 0;
  gateway::Duration window = 0;   // measureWindow used
  // The most cost one key got forwarded (arrival + delay) in any window (t - window, t].
  std::int64_t maxInWindow = 0;
  std::string maxInWindowKey;
  std::int64_t referenceLimit = 0;
  double overshoot = 0;            // maxInWindow / referenceLimit
  double meanDelay = 0;            // microseconds, over admitted requests
  gateway::Duration maxDelay = 0;
  std::int64_t keys = 0;           // tracked by the store at the end
  std::int64_t bytesPerKey = 0;    // LimiterStore::bytesPerKey() at the end
};

class LimiterReplay {
 public:
  // "" when `options` can be replayed, else what is wrong (spec, hold, window).
  static std::string validate(const ReplayOptions& options);

  // `options` must pass validate().
  explicit LimiterReplay(const ReplayOptions& options);

  // Decides one request (after the releases due by its time). For concurrency, a denial's
  // retryAfter is the time until enough of this key's scheduled releases have happened
  // (kNever only when the cost exceeds the limit).
  gateway::LimitDecision submit(const TraceRequest& request);

  ReplaySummary summary() const;

 private:
  struct Pending {
    gateway::TimePoint at;
    std::int64_t cost;
  };
  struct Release {
    gateway::TimePoint at;
    std::string key;
    std::int64_t cost;
  };
  struct KeyWindow {
    std::deque<Pending> admitted;  // forwarded within the last measure window
    std::int64_t sum = 0;
  };

  void releaseDue(gateway::TimePoint now);
  void recordForward(const std::string& key, gateway::TimePoint at, std::int64_t cost);

  ReplayOptions options_;
  std::unique_ptr<gateway::LimiterStore> store_;
  bool concurrency_ = false;
  // Releases in time order (admission times never decrease and hold is constant).
  std::deque<Release> releases_;
  std::unordered_map<std::string, std::deque<Pending>> inFlight_;
  std::unordered_map<std::string, KeyWindow> windows_;
  ReplaySummary summary_;
  double delaySum_ = 0;
};

// One output line: `t_us,key,allow|deny,delay_us,retry_after_us,remaining` (retry -1: never).
std::string formatDecisionLine(const TraceRequest& request, const gateway::LimitDecision& decision);

}  // namespace gwsim
