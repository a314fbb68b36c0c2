// One algorithm of the limiter lab: the gateway's own limiter class (libgateway/ratelimit)
// with one state per key, behind one interface so the lab can feed the same traffic to all
// seven. The lab's parameters are equivalent by construction (makeLabLimiters documents
// how). One thread; no ImGui.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libgateway/core/time.h"
#include "libgateway/ratelimit/limit_decision.h"
#include "libgateway/ratelimit/limiter_gauge.h"

namespace gwdash {

class LabLimiter {
 public:
  virtual ~LabLimiter() = default;
  // "token_bucket", ... (gateway::toString of the algorithm).
  virtual std::string_view algorithm() const = 0;
  // Its parameters in words: "rate 1.667/s, burst 100".
  virtual std::string parameters() const = 0;
  // Keys are small integers (the lab numbers them as it meets them), so a state is an index
  // away. The algorithm's decision for `key` at `now` (a key seen first starts fresh).
  virtual gateway::LimitDecision decide(std::uint32_t key, gateway::TimePoint now) = 0;
  // The key's state at `now` (gateway::gauge), without changing it; a key never decided
  // (kNoKey among them) reads as fresh.
  virtual gateway::LimiterGauge gauge(std::uint32_t key, gateway::TimePoint now) const = 0;
  // Lets time pass up to `until` (inclusive or not): concurrency releases the requests whose
  // hold has ended. Nothing for the others.
  virtual void advance(gateway::TimePoint /*until*/, bool /*inclusive*/) {}
  virtual std::size_t keys() const = 0;

  static constexpr std::uint32_t kNoKey = UINT32_MAX;
};

// The rate, in thousandths of a request per second, of `limit` per `window` (at least 1).
std::int64_t labRateMilli(std::int64_t limit, gateway::Duration window);

// One limiter per algorithm, all equivalent to "`limit` requests per `window`":
//   fixed_window, sliding_log, sliding_counter: limit per window;
//   token_bucket and gcra: rate limit/window, burst limit (they decide alike);
//   leaky_bucket: rate limit/window, limit - 1 may wait (at most `limit` accepted at once);
//   concurrency: each admitted request stays in flight `hold`; limit ceil(limit * hold /
//   window) in flight, the same sustained rate (Little's law).
// In that order. limit >= 1, window >= 1 µs, hold >= 1 µs.
std::vector<std::unique_ptr<LabLimiter>> makeLabLimiters(std::int64_t limit, gateway::Duration window,
                                                         gateway::Duration hold);

}  // namespace gwdash
