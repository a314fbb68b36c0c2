// What one rate limiter is: its algorithm and parameters, as read from config or from the
// `gwsim limiter` command line. Plain value; see libgateway/SEMANTICS.md, "Rate limiting".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "libgateway/core/time.h"

namespace gateway {

enum class LimiterAlgorithm {
  kTokenBucket,
  kLeakyBucket,
  kFixedWindow,
  kSlidingLog,
  kSlidingCounter,
  kGcra,
  kConcurrency,
};

std::string_view toString(LimiterAlgorithm algorithm);
std::optional<LimiterAlgorithm> parseLimiterAlgorithm(std::string_view name);

// True for the algorithms parameterised by rate and burst (token_bucket, leaky_bucket, gcra);
// the window algorithms take limit and window; concurrency takes limit only.
bool usesRate(LimiterAlgorithm algorithm);
bool usesWindow(LimiterAlgorithm algorithm);

struct LimiterSpec {
  LimiterAlgorithm algorithm = LimiterAlgorithm::kTokenBucket;
  // Requests per second in thousandths, so that 0.5 req/s is exact: rate 10 => 10000.
  std::int64_t rateMilli = 0;
  // token_bucket / gcra: requests that may pass at once; leaky_bucket: queue depth.
  std::int64_t burst = 0;
  // window algorithms and concurrency: requests per window / in flight.
  std::int64_t limit = 0;
  Duration window = 0;

  // The most requests the limiter lets through at once (burst; limit) and the time it takes
  // to earn them back (burst / rate; the window): X-RateLimit-Limit, the simulator's overshoot
  // measure, idle eviction. RateLimit-Policy states the sustained rate instead
  // (rateLimitPolicyItem in pipeline/rate_limit_stage.h).
  std::int64_t quota() const;
  Duration quotaWindow() const;
};

// Limits every algorithm accepts (they keep exact integer state within these):
inline constexpr std::int64_t kMaxRateMilli = 1'000'000'000'000;  // 1e9 requests/s
inline constexpr std::int64_t kMaxBurst = 1'000'000'000;
inline constexpr std::int64_t kMaxLimit = 1'000'000'000;
inline constexpr Duration kMaxLimiterWindow = seconds(31LL * 24 * 3600);

// "" when `spec` can build a limiter (makeLimiter), else what is wrong, naming the fields
// the algorithm uses: rate and burst (burst may be 0 for leaky_bucket: no queue), or limit
// (and window). Fields the algorithm does not use are ignored.
std::string validateLimiterSpec(const LimiterSpec& spec);

}  // namespace gateway
