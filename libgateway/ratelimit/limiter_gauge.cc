#include "libgateway/ratelimit/limiter_gauge.h"

#include <algorithm>

namespace gateway {

namespace {

// The algorithm's own answer at `now`, without touching the caller's state: a cost-0 query
// on a copy (denied and query decisions change nothing but expired log entries).
template <typename Limiter, typename State>
LimitDecision queryGauge(const Limiter& limiter, const State& state, TimePoint now) {
  State copy = state;
  return limiter.acquire(copy, now, 0);
}

// `g` with what the query says: the requests left now and when the state is fresh again.
template <typename Limiter, typename State>
LimiterGauge withQuery(LimiterGauge g, const Limiter& limiter, const State& state, TimePoint now) {
  const LimitDecision d = queryGauge(limiter, state, now);
  g.remaining = d.remaining;
  g.resetAfter = d.resetAfter;
  return g;
}

constexpr double kGaugeSubUnits = static_cast<double>(kSubUnitsPerRequest);

// Ticks (microseconds * rateMilli) from `now` to `ahead`, 0 when it has passed.
double ticksAheadOf(__int128 at, TimePoint now, std::int64_t rateMilli) {
  const __int128 nowTicks = static_cast<__int128>(now) * rateMilli;
  return at > nowTicks ? static_cast<double>(at - nowTicks) : 0.0;
}

}  // namespace

LimiterGauge gauge(const TokenBucket& limiter, const TokenBucketState& state, TimePoint now) {
  LimiterGauge g;
  g.what = "tokens";
  g.fullAdmits = true;
  g.capacity = static_cast<double>(limiter.burst());
  // The refill rule of token_bucket.h: rateMilli sub-units per microsecond since `last`.
  const Duration elapsed = std::max<Duration>(0, now - state.last);
  const double sub = static_cast<double>(state.subTokens) + static_cast<double>(elapsed) * static_cast<double>(limiter.rateMilli());
  g.level = std::min(g.capacity, sub / kGaugeSubUnits);
  return withQuery(g, limiter, state, now);
}

LimiterGauge gauge(const Gcra& limiter, const GcraState& state, TimePoint now) {
  LimiterGauge g;
  g.what = "TAT ahead ms";
  // Ticks are 1/rateMilli µs: ahead / rateMilli µs, / 1000 for ms.
  const double perMs = static_cast<double>(limiter.rateMilli()) * 1000.0;
  g.level = ticksAheadOf(state.tat, now, limiter.rateMilli()) / perMs;
  g.capacity = static_cast<double>(limiter.burst()) * kGaugeSubUnits / perMs;
  return withQuery(g, limiter, state, now);
}

LimiterGauge gauge(const LeakyBucket& limiter, const LeakyBucketState& state, TimePoint now) {
  LimiterGauge g;
  g.what = "queued";
  // One departure slot is kSubUnitsPerRequest ticks: the slots taken ahead of a newcomer.
  g.level = ticksAheadOf(state.nextSlot, now, limiter.rateMilli()) / kGaugeSubUnits;
  g.capacity = static_cast<double>(limiter.burst() + 1);
  return withQuery(g, limiter, state, now);
}

LimiterGauge gauge(const FixedWindow& limiter, const FixedWindowState& state, TimePoint now) {
  LimiterGauge g;
  g.what = "in window";
  g.capacity = static_cast<double>(limiter.limit());
  g.windowStart = floorDiv(now, limiter.window()) * limiter.window();
  g.windowEnd = g.windowStart + limiter.window();
  // fixed_window.h: a count whose window has passed counts for nothing.
  if (state.windowStart >= g.windowStart) g.level = static_cast<double>(state.count);
  return withQuery(g, limiter, state, now);
}

LimiterGauge gauge(const SlidingLog& limiter, const SlidingLogState& state, TimePoint now) {
  LimiterGauge g;
  g.what = "in log";
  g.capacity = static_cast<double>(limiter.limit());
  g.windowStart = now - limiter.window();
  g.windowEnd = now;
  std::int64_t inWindow = 0;
  std::int64_t entries = 0;
  for (std::uint32_t i = 0; i < state.size(); ++i) {
    const SlidingLogState::Entry& e = state.entry(i);
    if (e.at > g.windowStart) {
      inWindow += e.cost;
      ++entries;
    }
  }
  g.level = static_cast<double>(inWindow);
  g.current = static_cast<double>(entries);
  return withQuery(g, limiter, state, now);
}

LimiterGauge gauge(const SlidingCounter& limiter, const SlidingCounterState& state, TimePoint now) {
  LimiterGauge g;
  g.what = "estimate";
  const Duration window = limiter.window();
  g.capacity = static_cast<double>(limiter.limit());
  // sliding_counter.h: a clock lagging into an older window is read at the state's window.
  const TimePoint at = std::max(now, state.windowStart);
  g.windowStart = floorDiv(at, window) * window;
  g.windowEnd = g.windowStart + window;
  if (state.windowStart == g.windowStart) {
    g.previous = state.prev;
    g.current = state.curr;
  } else if (state.windowStart == g.windowStart - window) {
    g.previous = state.curr;
  }
  const double rest = static_cast<double>(g.windowEnd - at) / static_cast<double>(window);
  g.level = g.previous * rest + g.current;
  return withQuery(g, limiter, state, now);
}

LimiterGauge gauge(const ConcurrencyLimit& limiter, const ConcurrencyState& state, TimePoint now) {
  LimiterGauge g;
  g.what = "in flight";
  g.capacity = static_cast<double>(limiter.limit());
  g.level = static_cast<double>(state.inFlight);
  const LimitDecision d = queryGauge(limiter, state, now);
  g.remaining = d.remaining;
  return g;
}

}  // namespace gateway
