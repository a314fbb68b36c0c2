// A uniform read-out of one key's limiter state at a moment, for every algorithm: how full
// its bucket, window, log or queue is, against what. The dashboard's limiter lab draws it;
// it reads the algorithms' own State types and never changes them. Pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "libgateway/core/time.h"
#include "libgateway/ratelimit/concurrency_limit.h"
#include "libgateway/ratelimit/fixed_window.h"
#include "libgateway/ratelimit/gcra.h"
#include "libgateway/ratelimit/leaky_bucket.h"
#include "libgateway/ratelimit/sliding_counter.h"
#include "libgateway/ratelimit/sliding_log.h"
#include "libgateway/ratelimit/token_bucket.h"

namespace gateway {

struct LimiterGauge {
  // What `level` counts: "tokens" (token_bucket), "TAT ahead ms" (gcra), "queued"
  // (leaky_bucket), "in window" (fixed_window), "in log" (sliding_log), "estimate"
  // (sliding_counter), "in flight" (concurrency). A string literal.
  std::string_view what;
  double level = 0;
  // The level's bound: burst tokens; burst / rate in ms of TAT ahead; burst + 1 queue slots
  // (the request being forwarded and `burst` waiting); the limit per window; the in-flight limit.
  double capacity = 0;
  // True when a full level admits (token_bucket: a full bucket); false when a full level
  // denies (every other algorithm).
  bool fullAdmits = false;
  // Whole cost-1 requests the key could pass at `now` (the algorithm's own answer to a
  // cost-0 query).
  std::int64_t remaining = 0;
  // Time until the key is back to a fresh state with no more traffic (0: it is).
  Duration resetAfter = 0;
  // Window algorithms: the window `level` counts in, [windowStart, windowEnd); sliding_log:
  // (now - window, now]. 0 and 0 for the others.
  TimePoint windowStart = 0;
  TimePoint windowEnd = 0;
  // sliding_counter: the previous and current windows' counts the estimate weighs
  // (estimate = previous * (windowEnd - now) / window + current). sliding_log: entries in
  // the log (distinct admission times). 0 otherwise.
  double previous = 0;
  double current = 0;
};

LimiterGauge gauge(const TokenBucket& limiter, const TokenBucketState& state, TimePoint now);
LimiterGauge gauge(const Gcra& limiter, const GcraState& state, TimePoint now);
LimiterGauge gauge(const LeakyBucket& limiter, const LeakyBucketState& state, TimePoint now);
LimiterGauge gauge(const FixedWindow& limiter, const FixedWindowState& state, TimePoint now);
LimiterGauge gauge(const SlidingLog& limiter, const SlidingLogState& state, TimePoint now);
LimiterGauge gauge(const SlidingCounter& limiter, const SlidingCounterState& state, TimePoint now);
LimiterGauge gauge(const ConcurrencyLimit& limiter, const ConcurrencyState& state, TimePoint now);

}  // namespace gateway
