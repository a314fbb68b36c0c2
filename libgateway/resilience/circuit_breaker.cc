#include "libgateway/resilience/circuit_breaker.h"

#include <fmt/format.h>

namespace gateway {

std::string_view toString(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed: return "closed";
    case BreakerState::kOpen: return "open";
    case BreakerState::kHalfOpen: return "half_open";
  }
  return "unknown";
}

namespace {
std::string plural(std::uint64_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}
double percent(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}
}  // namespace

CircuitBreaker::CircuitBreaker(const CircuitBreakerConfig& config, TimePoint now)
    : config_(config), since_(now), trialWindow_(config.halfOpenCalls) {
  if (config_.mode != BreakerMode::kConsecutive) {
    if (config_.window == BreakerWindow::kTime) timeWindow_.emplace(config_.windowSize, config_.bucketWidth);
    else countWindow_.emplace(config_.windowSize);
  }
  if (config_.mode == BreakerMode::kConsecutive && config_.interval > 0) intervalEnd_ = now + config_.interval;
}

void CircuitBreaker::transitionTo(BreakerState to, TimePoint now, std::string reason,
                                  std::optional<BreakerTransition>* out) {
  BreakerTransition t{state_.load(std::memory_order_relaxed), to, now, std::move(reason)};
  state_.store(to, std::memory_order_relaxed);
  since_ = now;
  ++generation_;
  ++transitions_;
  consecutiveFailures_ = 0;
  consecutiveSuccesses_ = 0;
  trialsStarted_ = 0;
  trialsInFlight_ = 0;
  trialWindow_.clear();
  if (to == BreakerState::kClosed) {
    if (countWindow_) countWindow_->clear();
    if (timeWindow_) timeWindow_->clear();
    intervalEnd_ = config_.mode == BreakerMode::kConsecutive && config_.interval > 0 ? now + config_.interval : kNever;
  }
  history_.push_back(t);
  if (history_.size() > kHistory) history_.pop_front();
  if (out) *out = std::move(t);
}

BreakerPermit CircuitBreaker::tryAcquire(TimePoint now, std::optional<BreakerTransition>* transition) {
  std::lock_guard lock(mutex_);
  BreakerPermit p;
  switch (state_.load(std::memory_order_relaxed)) {
    case BreakerState::kClosed:
      if (now >= intervalEnd_) {
        // gobreaker: a new interval is a new generation with fresh counts.
        consecutiveFailures_ = 0;
        ++generation_;
        intervalEnd_ = now + config_.interval;
      }
      p.admitted = true;
      p.generation = generation_;
      return p;
    case BreakerState::kOpen:
      if (now < since_ + config_.openDuration) {
        ++rejected_;
        p.retryAfter = since_ + config_.openDuration - now;
        return p;
      }
      transitionTo(BreakerState::kHalfOpen, now,
                   fmt::format("open for {} ms; admitting {}", config_.openDuration / kMillisecond,
                               plural(config_.halfOpenCalls, "trial call")),
                   transition);
      [[fallthrough]];
    case BreakerState::kHalfOpen:
      if (trialsStarted_ >= config_.halfOpenCalls) {
        ++rejected_;
        return p;
      }
      ++trialsStarted_;
      ++trialsInFlight_;
      p.admitted = true;
      p.trial = true;
      p.generation = generation_;
      return p;
  }
  return p;
}

void CircuitBreaker::abandon(const BreakerPermit& permit) {
  std::lock_guard lock(mutex_);
  if (!permit.admitted || !permit.trial || permit.generation != generation_) return;
  if (trialsStarted_ > 0) --trialsStarted_;
  if (trialsInFlight_ > 0) --trialsInFlight_;
}

void CircuitBreaker::onResult(const BreakerPermit& permit, bool failure, Duration duration, TimePoint now,
                              std::optional<BreakerTransition>* transition) {
  std::lock_guard lock(mutex_);
  if (!permit.admitted || permit.generation != generation_) return;  // from before a transition
  const bool slow = config_.mode == BreakerMode::kFailureRate && duration > config_.slowCallDuration;
  if (permit.trial) {
    if (trialsInFlight_ > 0) --trialsInFlight_;
    recordHalfOpen(failure, slow, now, transition);
  } else {
    recordClosed(failure, slow, now, transition);
  }
}

std::string CircuitBreaker::rateVerdict(const WindowTotals& t) const {
  if (config_.mode == BreakerMode::kHystrix) {
    // Hystrix computes a whole-number error percentage.
    const std::uint64_t pct = t.calls == 0 ? 0 : t.failures * 100 / t.calls;
    if (static_cast<double>(pct) >= config_.failureRateThreshold) {
      return fmt::format("error rate {}% >= {}%", pct, config_.failureRateThreshold);
    }
    return {};
  }
  const double failures = percent(t.failures, t.calls);
  if (failures >= config_.failureRateThreshold) {
    return fmt::format("failure rate {:.1f}% >= {}%", failures, config_.failureRateThreshold);
  }
  const double slow = percent(t.slow, t.calls);
  if (slow >= config_.slowCallRateThreshold) {
    return fmt::format("slow-call rate {:.1f}% >= {}% (slower than {} ms)", slow, config_.slowCallRateThreshold,
                       config_.slowCallDuration / kMillisecond);
  }
  return {};
}

void CircuitBreaker::recordClosed(bool failure, bool slow, TimePoint now, std::optional<BreakerTransition>* out) {
  if (config_.mode == BreakerMode::kConsecutive) {
    if (!failure) {
      consecutiveFailures_ = 0;
      return;
    }
    if (++consecutiveFailures_ > config_.maxErrors) {
      const std::uint64_t n = consecutiveFailures_;
      transitionTo(BreakerState::kOpen, now,
                   fmt::format("{} (more than max_errors {})", plural(n, "consecutive failure"), config_.maxErrors), out);
    }
    return;
  }
  WindowTotals t;
  if (countWindow_) {
    countWindow_->record(failure, slow);
    t = countWindow_->totals();
  } else {
    timeWindow_->record(now, failure, slow);
    t = timeWindow_->totals(now);
  }
  if (t.calls < config_.minimumCalls) return;  // nothing is judged on too few calls
  std::string verdict = rateVerdict(t);
  if (verdict.empty()) return;
  if (config_.mode == BreakerMode::kHystrix) {
    verdict += fmt::format(" over {} in {} ms", plural(t.calls, "request"), timeWindow_ ? timeWindow_->span() / kMillisecond : 0);
  } else {
    verdict += fmt::format(" over {}", plural(t.calls, "call"));
  }
  transitionTo(BreakerState::kOpen, now, std::move(verdict), out);
}

void CircuitBreaker::recordHalfOpen(bool failure, bool slow, TimePoint now, std::optional<BreakerTransition>* out) {
  if (config_.mode != BreakerMode::kFailureRate) {
    // gobreaker and Hystrix: any trial failure reopens; enough successes in a row close.
    if (failure) {
      transitionTo(BreakerState::kOpen, now, "a trial call failed", out);
      return;
    }
    if (++consecutiveSuccesses_ >= config_.halfOpenCalls) {
      const std::uint64_t n = consecutiveSuccesses_;
      transitionTo(BreakerState::kClosed, now, fmt::format("{} succeeded", plural(n, "trial call")), out);
    }
    return;
  }
  // Resilience4j: judge the trials once all of them have finished.
  trialWindow_.record(failure, slow);
  const WindowTotals& t = trialWindow_.totals();
  if (t.calls < config_.halfOpenCalls) return;
  const std::string verdict = rateVerdict(t);
  if (!verdict.empty()) {
    transitionTo(BreakerState::kOpen, now, fmt::format("trial {} over {}", verdict, plural(t.calls, "call")), out);
  } else {
    transitionTo(BreakerState::kClosed, now,
                 fmt::format("trial failure rate {:.1f}% < {}% over {}", percent(t.failures, t.calls),
                             config_.failureRateThreshold, plural(t.calls, "call")),
                 out);
  }
}

BreakerSnapshot CircuitBreaker::snapshot(TimePoint now) const {
  std::lock_guard lock(mutex_);
  BreakerSnapshot s;
  s.state = state_.load(std::memory_order_relaxed);
  s.since = since_;
  if (config_.mode == BreakerMode::kConsecutive) {
    s.failures = consecutiveFailures_;
  } else if (countWindow_) {
    const auto& t = countWindow_->totals();
    s.calls = t.calls;
    s.failures = t.failures;
    s.slow = t.slow;
  } else {
    // totals() advances the window; a snapshot must not change state, so read a copy.
    TimeWindow copy = *timeWindow_;
    const auto& t = copy.totals(now);
    s.calls = t.calls;
    s.failures = t.failures;
    s.slow = t.slow;
  }
  s.trialsInFlight = trialsInFlight_;
  s.rejected = rejected_;
  s.transitions = transitions_;
  return s;
}

std::vector<BreakerTransition> CircuitBreaker::history() const {
  std::lock_guard lock(mutex_);
  return {history_.begin(), history_.end()};
}

}  // namespace gateway
