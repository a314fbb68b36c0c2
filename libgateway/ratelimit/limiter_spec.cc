#include "libgateway/ratelimit/limiter_spec.h"

#include <array>
#include <string>
#include <utility>

namespace gateway {

namespace {
constexpr std::array<std::pair<LimiterAlgorithm, std::string_view>, 7> kNames{{
    {LimiterAlgorithm::kTokenBucket, "token_bucket"},
    {LimiterAlgorithm::kLeakyBucket, "leaky_bucket"},
    {LimiterAlgorithm::kFixedWindow, "fixed_window"},
    {LimiterAlgorithm::kSlidingLog, "sliding_log"},
    {LimiterAlgorithm::kSlidingCounter, "sliding_counter"},
    {LimiterAlgorithm::kGcra, "gcra"},
    {LimiterAlgorithm::kConcurrency, "concurrency"},
}};
}  // namespace

std::string_view toString(LimiterAlgorithm algorithm) {
  for (const auto& [a, name] : kNames) {
    if (a == algorithm) return name;
  }
  return "unknown";
}

std::optional<LimiterAlgorithm> parseLimiterAlgorithm(std::string_view name) {
  for (const auto& [a, n] : kNames) {
    if (n == name) return a;
  }
  return std::nullopt;
}

bool usesRate(LimiterAlgorithm a) {
  return a == LimiterAlgorithm::kTokenBucket || a == LimiterAlgorithm::kLeakyBucket || a == LimiterAlgorithm::kGcra;
}

bool usesWindow(LimiterAlgorithm a) {
  return a == LimiterAlgorithm::kFixedWindow || a == LimiterAlgorithm::kSlidingLog ||
         a == LimiterAlgorithm::kSlidingCounter;
}

std::int64_t LimiterSpec::quota() const {
  if (usesWindow(algorithm) || algorithm == LimiterAlgorithm::kConcurrency) return limit;
  return burst;
}

Duration LimiterSpec::quotaWindow() const {
  if (usesWindow(algorithm)) return window;
  if (algorithm == LimiterAlgorithm::kConcurrency || rateMilli <= 0) return 0;
  // The time a full burst takes to refill: burst / rate seconds.
  return burst * kSecond * 1000 / rateMilli;
}

std::string validateLimiterSpec(const LimiterSpec& spec) {
  const std::string name(toString(spec.algorithm));
  if (usesRate(spec.algorithm)) {
    if (spec.rateMilli < 1 || spec.rateMilli > kMaxRateMilli) {
      return name + ": rate must be between 0.001 and 1e9 requests per second";
    }
    const std::int64_t minBurst = spec.algorithm == LimiterAlgorithm::kLeakyBucket ? 0 : 1;
    if (spec.burst < minBurst || spec.burst > kMaxBurst) {
      return name + ": burst must be between " + std::to_string(minBurst) + " and " + std::to_string(kMaxBurst);
    }
    return "";
  }
  if (spec.limit < 1 || spec.limit > kMaxLimit) {
    return name + ": limit must be between 1 and " + std::to_string(kMaxLimit);
  }
  if (usesWindow(spec.algorithm) && (spec.window < 1 || spec.window > kMaxLimiterWindow)) {
    return name + ": window must be between 1 microsecond and 31 days";
  }
  return "";
}

}  // namespace gateway
