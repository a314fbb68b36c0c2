// Property tests over seeded random traces, for every algorithm: retry-after exactness,
// denials change nothing, `remaining` is exact, token_bucket == gcra, and the documented
// admission bounds (libgateway/SEMANTICS.md, "Rate limiting").
#include <gtest/gtest.h>

#include <vector>

#include "libgateway/core/random.h"
#include "libgateway/ratelimit/fixed_window.h"
#include "libgateway/ratelimit/gcra.h"
#include "libgateway/ratelimit/leaky_bucket.h"
#include "libgateway/ratelimit/sliding_counter.h"
#include "libgateway/ratelimit/sliding_log.h"
#include "libgateway/ratelimit/token_bucket.h"

namespace gateway {
namespace {

struct TraceRequest {
  TimePoint at;
  std::int64_t cost;
};

struct Admission {
  TimePoint at;  // forwarding time: arrival + delay
  std::int64_t cost;
};

// Gaps mix simultaneous arrivals, bursts well above the rate and idle periods around `scale`.
std::vector<TraceRequest> randomTrace(std::uint64_t seed, Duration scale, std::int64_t maxCost, int n = 1500) {
  Random rng(seed);
  std::vector<TraceRequest> trace;
  TimePoint t = static_cast<TimePoint>(rng.uniform(1'000'000));
  for (int i = 0; i < n; ++i) {
    switch (rng.uniform(4)) {
      case 0: break;
      case 1: t += static_cast<Duration>(rng.uniform(scale / 8 + 1)); break;
      case 2: t += static_cast<Duration>(rng.uniform(2 * scale + 1)); break;
      default: t += static_cast<Duration>(rng.uniform(12 * scale + 1)); break;
    }
    std::int64_t cost = 1;
    if (rng.chance(0.25)) cost = 1 + static_cast<std::int64_t>(rng.uniform(static_cast<std::uint64_t>(maxCost) + 1));
    trace.push_back({t, cost});
  }
  return trace;
}

// Replays `trace`, checking every decision; returns the admissions.
template <class Algorithm>
std::vector<Admission> checkTrace(const Algorithm& limiter, const std::vector<TraceRequest>& trace,
                                  std::int64_t capacity) {
  const auto* result = ::testing::UnitTest::GetInstance()->current_test_info()->result();
  const int failuresBefore = result->total_part_count();
  auto state = limiter.fresh(trace.front().at);
  auto undisturbed = state;  // sees only the admitted requests
  std::vector<Admission> admitted;
  for (const TraceRequest& r : trace) {
    const LimitDecision d = limiter.acquire(state, r.at, r.cost);
    auto shadow = undisturbed;
    EXPECT_EQ(limiter.acquire(shadow, r.at, r.cost), d) << "at " << r.at << ": a denial changed the state";
    if (d.allowed) {
      undisturbed = shadow;
      admitted.push_back({r.at + d.delay, r.cost});
      EXPECT_EQ(d.retryAfter, 0);
    } else if (d.retryAfter == kNever) {
      EXPECT_GT(r.cost, capacity) << "at " << r.at;
    } else {
      EXPECT_GE(d.retryAfter, 1);
      auto early = state;
      EXPECT_FALSE(limiter.acquire(early, r.at + d.retryAfter - 1, r.cost).allowed)
          << "at " << r.at << " cost " << r.cost << " retryAfter " << d.retryAfter;
      auto onTime = state;
      EXPECT_TRUE(limiter.acquire(onTime, r.at + d.retryAfter, r.cost).allowed)
          << "at " << r.at << " cost " << r.cost << " retryAfter " << d.retryAfter;
    }
    // `remaining` cost-1 requests pass now, one more does not.
    if (d.remaining > 0) {
      auto probe = state;
      EXPECT_TRUE(limiter.acquire(probe, r.at, d.remaining).allowed) << "at " << r.at;
    }
    auto probe = state;
    EXPECT_FALSE(limiter.acquire(probe, r.at, d.remaining + 1).allowed) << "at " << r.at;
    if (result->total_part_count() > failuresBefore) break;  // one trace, one report
  }
  return admitted;
}

// The most cost admitted in any window (t - window, t].
std::int64_t maxInWindow(const std::vector<Admission>& admitted, Duration window) {
  std::int64_t best = 0, sum = 0;
  std::size_t first = 0;
  for (const Admission& a : admitted) {
    sum += a.cost;
    while (admitted[first].at <= a.at - window) sum -= admitted[first++].cost;
    best = std::max(best, sum);
  }
  return best;
}

// Every interval [s, e] holds at most burst + rate * (e - s): checked over all pairs.
void expectRateBound(const std::vector<Admission>& admitted, std::int64_t rateMilli, std::int64_t burst,
                     std::int64_t slack = 0) {
  for (std::size_t i = 0; i < admitted.size(); ++i) {
    __int128 sum = 0;
    for (std::size_t j = i; j < admitted.size(); ++j) {
      sum += admitted[j].cost;
      const __int128 allowance = static_cast<__int128>(burst) * kSubUnitsPerRequest +
                                 static_cast<__int128>(rateMilli) * (admitted[j].at - admitted[i].at + slack);
      ASSERT_LE(sum * kSubUnitsPerRequest, allowance) << "between " << admitted[i].at << " and " << admitted[j].at;
    }
  }
}

struct RateCase {
  std::int64_t rateMilli;
  std::int64_t burst;
};
const RateCase kRateCases[] = {{10'000, 5}, {3'000, 1}, {7, 2}, {2'500, 40}, {999'999'999, 3}, {123'456'789'012, 1'000}};

Duration intervalOf(const RateCase& c) { return std::max<Duration>(1, kSubUnitsPerRequest / c.rateMilli); }

TEST(RateLimitPropertyTest, TokenBucketAndGcraAgreeOnEveryDecision) {
  for (const RateCase& c : kRateCases) {
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
      const TokenBucket bucket(c.rateMilli, c.burst);
      const Gcra gcra(c.rateMilli, c.burst);
      const auto trace = randomTrace(seed, intervalOf(c), c.burst + 1);
      auto b = bucket.fresh(trace.front().at);
      auto g = gcra.fresh(trace.front().at);
      for (const TraceRequest& r : trace) {
        ASSERT_EQ(bucket.acquire(b, r.at, r.cost), gcra.acquire(g, r.at, r.cost))
            << "rate " << c.rateMilli << " burst " << c.burst << " seed " << seed << " at " << r.at;
      }
    }
  }
}

TEST(RateLimitPropertyTest, TokenBucketIsExactAndBounded) {
  std::size_t requests = 0, admissions = 0;
  for (const RateCase& c : kRateCases) {
    for (std::uint64_t seed = 10; seed < 13; ++seed) {
      SCOPED_TRACE(::testing::Message() << "rate " << c.rateMilli << " burst " << c.burst << " seed " << seed);
      const TokenBucket limiter(c.rateMilli, c.burst);
      const auto trace = randomTrace(seed, intervalOf(c), c.burst + 1);
      const auto admitted = checkTrace(limiter, trace, c.burst);
      requests += trace.size();
      admissions += admitted.size();
      expectRateBound(admitted, c.rateMilli, c.burst);
    }
  }
  EXPECT_GT(admissions, requests / 5);
  EXPECT_LT(admissions, requests * 4 / 5);  // the traces exercise denials
}

TEST(RateLimitPropertyTest, GcraIsExactAndBounded) {
  for (const RateCase& c : kRateCases) {
    for (std::uint64_t seed = 20; seed < 23; ++seed) {
      SCOPED_TRACE(::testing::Message() << "rate " << c.rateMilli << " burst " << c.burst << " seed " << seed);
      const Gcra limiter(c.rateMilli, c.burst);
      expectRateBound(checkTrace(limiter, randomTrace(seed, intervalOf(c), c.burst + 1), c.burst), c.rateMilli,
                      c.burst);
    }
  }
}

TEST(RateLimitPropertyTest, LeakyBucketForwardsAtTheRateWithBoundedDelay) {
  for (const RateCase& c : kRateCases) {
    for (std::uint64_t seed = 30; seed < 33; ++seed) {
      SCOPED_TRACE(::testing::Message() << "rate " << c.rateMilli << " burst " << c.burst << " seed " << seed);
      const LeakyBucket limiter(c.rateMilli, c.burst);
      const auto trace = randomTrace(seed, intervalOf(c), c.burst + 2);
      auto state = limiter.fresh(trace.front().at);
      for (const TraceRequest& r : trace) {
        const LimitDecision d = limiter.acquire(state, r.at, r.cost);
        if (d.allowed) {
          // Its last slot starts within the queue: delay + (cost - 1) * T <= burst * T.
          EXPECT_LE(static_cast<__int128>(d.delay - 1) * c.rateMilli,
                    static_cast<__int128>(c.burst + 1 - r.cost) * kSubUnitsPerRequest);
        }
      }
      // Forwarding times (arrival + delay) keep the spacing: at most one slot's rounding.
      const auto admitted = checkTrace(limiter, trace, c.burst + 1);
      for (std::size_t i = 0; i + 1 < admitted.size(); ++i) {
        ASSERT_LE(admitted[i].at, admitted[i + 1].at);
        EXPECT_GT(static_cast<__int128>(admitted[i + 1].at - admitted[i].at + 1) * c.rateMilli,
                  static_cast<__int128>(admitted[i].cost) * kSubUnitsPerRequest);
      }
      // A request of cost c leaves at the start of its c slots: c units at one instant.
      expectRateBound(admitted, c.rateMilli, c.burst + 2, 1);
    }
  }
}

struct WindowCase {
  std::int64_t limit;
  Duration window;
};
const WindowCase kWindowCases[] = {{1, 1'000}, {5, 1'000'000}, {100, 60'000'000}, {7, 333}, {1'000, 1}};

TEST(RateLimitPropertyTest, SlidingLogNeverExceedsTheLimitInAnyWindow) {
  std::size_t requests = 0, admissions = 0;
  for (const WindowCase& c : kWindowCases) {
    for (std::uint64_t seed = 40; seed < 43; ++seed) {
      SCOPED_TRACE(::testing::Message() << "limit " << c.limit << " window " << c.window << " seed " << seed);
      const SlidingLog limiter(c.limit, c.window);
      const auto trace = randomTrace(seed, std::max<Duration>(1, c.window / c.limit), c.limit + 1);
      const auto admitted = checkTrace(limiter, trace, c.limit);
      requests += trace.size();
      admissions += admitted.size();
      EXPECT_LE(maxInWindow(admitted, c.window), c.limit);
    }
  }
  EXPECT_LT(admissions, requests * 4 / 5);
}

TEST(RateLimitPropertyTest, FixedWindowStaysWithinTwiceTheLimit) {
  for (const WindowCase& c : kWindowCases) {
    for (std::uint64_t seed = 50; seed < 53; ++seed) {
      SCOPED_TRACE(::testing::Message() << "limit " << c.limit << " window " << c.window << " seed " << seed);
      const FixedWindow limiter(c.limit, c.window);
      const auto admitted = checkTrace(limiter, randomTrace(seed, std::max<Duration>(1, c.window / c.limit), c.limit + 1), c.limit);
      EXPECT_LE(maxInWindow(admitted, c.window), 2 * c.limit);
      // ... and within the limit inside every aligned window.
      std::int64_t sum = 0;
      for (std::size_t i = 0; i < admitted.size(); ++i) {
        if (i > 0 && floorDiv(admitted[i].at, c.window) != floorDiv(admitted[i - 1].at, c.window)) sum = 0;
        sum += admitted[i].cost;
        EXPECT_LE(sum, c.limit);
      }
    }
  }
}

TEST(RateLimitPropertyTest, SlidingCounterIsExactToItsOwnRule) {
  for (const WindowCase& c : kWindowCases) {
    for (std::uint64_t seed = 60; seed < 63; ++seed) {
      SCOPED_TRACE(::testing::Message() << "limit " << c.limit << " window " << c.window << " seed " << seed);
      const SlidingCounter limiter(c.limit, c.window);
      const auto admitted = checkTrace(limiter, randomTrace(seed, std::max<Duration>(1, c.window / c.limit), c.limit + 1), c.limit);
      EXPECT_LE(maxInWindow(admitted, c.window), 2 * c.limit);
    }
  }
}

TEST(RateLimitPropertyTest, FixedWindowShowsTheBoundaryOvershoot) {
  // limit per window at the end of one window and again at the start of the next.
  const FixedWindow limiter(50, 1'000'000);
  std::vector<TraceRequest> trace;
  for (int i = 0; i < 50; ++i) trace.push_back({950'000 + i * 1'000, 1});
  for (int i = 0; i < 50; ++i) trace.push_back({1'000'000 + i * 1'000, 1});
  const auto admitted = checkTrace(limiter, trace, 50);
  EXPECT_EQ(maxInWindow(admitted, 1'000'000), 100);
  const SlidingLog exact(50, 1'000'000);
  EXPECT_EQ(maxInWindow(checkTrace(exact, trace, 50), 1'000'000), 50);
}

}  // namespace
}  // namespace gateway
