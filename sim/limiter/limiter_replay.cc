#include "sim/limiter/limiter_replay.h"

#include <algorithm>

namespace gwsim {

using gateway::Duration;
using gateway::LimitDecision;
using gateway::LimiterAlgorithm;
using gateway::TimePoint;

namespace {

Duration measureWindowOf(const ReplayOptions& o) {
  if (o.measureWindow > 0) return o.measureWindow;
  if (gateway::usesWindow(o.spec.algorithm)) return o.spec.window;
  return gateway::kSecond;
}

std::int64_t referenceLimitOf(const ReplayOptions& o, Duration window) {
  if (o.referenceLimit > 0) return o.referenceLimit;
  const auto& s = o.spec;
  if (gateway::usesWindow(s.algorithm)) {
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(static_cast<__int128>(s.limit) * window / s.window));
  }
  if (gateway::usesRate(s.algorithm)) {
    return std::max<std::int64_t>(
        1, static_cast<std::int64_t>(static_cast<__int128>(s.rateMilli) * window / (1000 * gateway::kSecond)));
  }
  return s.limit;
}

}  // namespace

std::string LimiterReplay::validate(const ReplayOptions& options) {
  if (std::string problem = gateway::validateLimiterSpec(options.spec); !problem.empty()) return problem;
  if (options.spec.algorithm == LimiterAlgorithm::kConcurrency && options.hold < 1) {
    return "concurrency: the hold time must be at least 1 microsecond";
  }
  if (options.measureWindow < 0) return "the measurement window must not be negative";
  if (options.maxKeys < 1) return "max keys must be at least 1";
  return "";
}

LimiterReplay::LimiterReplay(const ReplayOptions& options) : options_(options) {
  gateway::LimiterStoreOptions storeOptions;
  storeOptions.maxKeys = options.maxKeys;
  storeOptions.idleTimeout = std::max<Duration>(options.spec.quotaWindow(), gateway::seconds(1));
  store_ = gateway::makeLimiter(options.spec, storeOptions);
  concurrency_ = options.spec.algorithm == LimiterAlgorithm::kConcurrency;
  summary_.algorithm = std::string(gateway::toString(options.spec.algorithm));
  summary_.window = measureWindowOf(options);
  summary_.referenceLimit = referenceLimitOf(options, summary_.window);
}

void LimiterReplay::releaseDue(TimePoint now) {
  while (!releases_.empty() && releases_.front().at <= now) {
    const Release& r = releases_.front();
    store_->release(r.key, r.at, r.cost);
    auto it = inFlight_.find(r.key);
    it->second.pop_front();
    if (it->second.empty()) inFlight_.erase(it);
    releases_.pop_front();
  }
}

void LimiterReplay::recordForward(const std::string& key, TimePoint at, std::int64_t cost) {
  KeyWindow& w = windows_[key];
  w.admitted.push_back({at, cost});
  w.sum += cost;
  while (w.admitted.front().at <= at - summary_.window) {
    w.sum -= w.admitted.front().cost;
    w.admitted.pop_front();
  }
  if (w.sum > summary_.maxInWindow) {
    summary_.maxInWindow = w.sum;
    summary_.maxInWindowKey = key;
  }
}

LimitDecision LimiterReplay::submit(const TraceRequest& request) {
  if (concurrency_) releaseDue(request.at);
  LimitDecision d = store_->decide(request.key, request.at, request.cost);
  ++summary_.requests;
  if (d.allowed) {
    ++summary_.admitted;
    delaySum_ += static_cast<double>(d.delay);
    summary_.maxDelay = std::max(summary_.maxDelay, d.delay);
    recordForward(request.key, request.at + d.delay, request.cost);
    if (concurrency_) {
      const TimePoint at = request.at + options_.hold;
      releases_.push_back({at, request.key, request.cost});
      inFlight_[request.key].push_back({at, request.cost});
    }
  } else {
    ++summary_.denied;
    if (concurrency_ && request.cost <= options_.spec.limit) {
      // The store knows no time; the replay knows when this key's requests complete.
      auto it = inFlight_.find(request.key);
      if (it != inFlight_.end()) {
        std::int64_t held = 0;
        for (const Pending& p : it->second) held += p.cost;
        for (const Pending& p : it->second) {
          held -= p.cost;
          if (held + request.cost <= options_.spec.limit) {
            d.retryAfter = p.at - request.at;
            break;
          }
        }
      }
    }
  }
  return d;
}

ReplaySummary LimiterReplay::summary() const {
  ReplaySummary s = summary_;
  s.overshoot = static_cast<double>(s.maxInWindow) / static_cast<double>(s.referenceLimit);
  s.meanDelay = s.admitted > 0 ? delaySum_ / static_cast<double>(s.admitted) : 0;
  s.keys = store_->stats().keys;
  s.bytesPerKey = store_->bytesPerKey();
  return s;
}

std::string formatDecisionLine(const TraceRequest& request, const LimitDecision& decision) {
  std::string line = std::to_string(request.at);
  line += ',';
  line += request.key;
  line += decision.allowed ? ",allow," : ",deny,";
  line += std::to_string(decision.delay);
  line += ',';
  line += decision.retryAfter == gateway::kNever ? std::string("-1") : std::to_string(decision.retryAfter);
  line += ',';
  line += std::to_string(decision.remaining);
  return line;
}

}  // namespace gwsim
