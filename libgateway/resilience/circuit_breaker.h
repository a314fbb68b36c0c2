// A circuit breaker for one service, in one of three modes users know
// (libgateway/SEMANTICS.md, "Circuit breakers"):
//   consecutive  (gobreaker / KrakenD): CLOSED -> OPEN after more than max_errors consecutive
//                failures (counts reset every `interval`); HALF_OPEN closes after
//                half_open_calls successes in a row, reopens on any failure.
//   failure_rate (Resilience4j): failure and slow-call rates over a count or time window,
//                evaluated from minimum_calls on; HALF_OPEN admits half_open_calls trials and
//                applies the same thresholds to them once all have finished.
//   hystrix:     error percentage over rolling buckets from request_volume (minimum_calls) on;
//                one trial call (or half_open_calls) in HALF_OPEN, any failure reopens.
// OPEN rejects every call for open_ms, then the next call moves it to HALF_OPEN. Each call
// holds a permit stamped with the breaker's generation; results from an older generation are
// ignored (gobreaker), so a slow call from before a transition cannot flip the new state.
// Every transition is returned to the caller with its reason and kept in a short history.
// Takes `now` everywhere, never reads a clock. Thread-safe (one mutex); shared by workers.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "libgateway/config/config.h"
#include "libgateway/resilience/count_window.h"
#include "libgateway/resilience/time_window.h"

namespace gateway {

enum class BreakerState : std::uint8_t { kClosed, kOpen, kHalfOpen };
std::string_view toString(BreakerState state);

struct BreakerTransition {
  BreakerState from = BreakerState::kClosed;
  BreakerState to = BreakerState::kClosed;
  TimePoint at = 0;
  std::string reason;  // "6 consecutive failures (more than max_errors 5)"
};

struct BreakerPermit {
  bool admitted = false;
  bool trial = false;            // a HALF_OPEN trial call
  std::uint64_t generation = 0;
  Duration retryAfter = 0;       // when rejected: time left in OPEN (0 when HALF_OPEN is full)
};

struct BreakerSnapshot {
  BreakerState state = BreakerState::kClosed;
  TimePoint since = 0;             // when the current state began
  std::uint64_t calls = 0;         // in the window (or consecutive counts, by mode)
  std::uint64_t failures = 0;
  std::uint64_t slow = 0;
  std::uint32_t trialsInFlight = 0;
  std::uint64_t rejected = 0;      // calls answered without calling upstream, ever
  std::uint64_t transitions = 0;   // ever
};

class CircuitBreaker {
 public:
  explicit CircuitBreaker(const CircuitBreakerConfig& config, TimePoint now = 0);

  // Asks to make one call. A rejected permit must not be passed to onResult(). When the call
  // moves the breaker (OPEN -> HALF_OPEN), the transition is written to `transition`.
  BreakerPermit tryAcquire(TimePoint now, std::optional<BreakerTransition>* transition = nullptr);
  // The outcome of an admitted call: `failure` per the caller's classification
  // (failure_statuses, connect errors, resets, timeouts), `duration` for slow-call detection.
  void onResult(const BreakerPermit& permit, bool failure, Duration duration, TimePoint now,
                std::optional<BreakerTransition>* transition = nullptr);
  // An admitted call that ended without an outcome (cancelled, or the client went away):
  // frees its HALF_OPEN trial slot without counting it.
  void abandon(const BreakerPermit& permit);

  BreakerState state() const { return state_.load(std::memory_order_relaxed); }
  BreakerSnapshot snapshot(TimePoint now) const;
  // The latest transitions, oldest first (at most kHistory).
  std::vector<BreakerTransition> history() const;
  const CircuitBreakerConfig& config() const { return config_; }

  static constexpr std::size_t kHistory = 64;

 private:
  void transitionTo(BreakerState to, TimePoint now, std::string reason, std::optional<BreakerTransition>* out);
  void recordClosed(bool failure, bool slow, TimePoint now, std::optional<BreakerTransition>* out);
  void recordHalfOpen(bool failure, bool slow, TimePoint now, std::optional<BreakerTransition>* out);
  // "failure rate 60.0% >= 50%" when a rate threshold is met, else "".
  std::string rateVerdict(const WindowTotals& t) const;

  const CircuitBreakerConfig config_;
  mutable std::mutex mutex_;
  std::atomic<BreakerState> state_{BreakerState::kClosed};
  TimePoint since_ = 0;
  std::uint64_t generation_ = 0;
  // consecutive mode (and HALF_OPEN successes in consecutive / hystrix modes)
  std::uint64_t consecutiveFailures_ = 0;
  std::uint64_t consecutiveSuccesses_ = 0;
  TimePoint intervalEnd_ = kNever;
  // failure_rate / hystrix
  std::optional<CountWindow> countWindow_;
  std::optional<TimeWindow> timeWindow_;
  CountWindow trialWindow_;  // HALF_OPEN outcomes (failure_rate)
  std::uint32_t trialsStarted_ = 0;
  std::uint32_t trialsInFlight_ = 0;
  std::uint64_t rejected_ = 0;
  std::uint64_t transitions_ = 0;
  std::deque<BreakerTransition> history_;
};

}  // namespace gateway
