#include "libgateway/ratelimit/limiter_store.h"

#include "libgateway/ratelimit/concurrency_limit.h"
#include "libgateway/ratelimit/fixed_window.h"
#include "libgateway/ratelimit/gcra.h"
#include "libgateway/ratelimit/leaky_bucket.h"
#include "libgateway/ratelimit/sharded_limiter_store.h"
#include "libgateway/ratelimit/sliding_counter.h"
#include "libgateway/ratelimit/sliding_log.h"
#include "libgateway/ratelimit/token_bucket.h"

namespace gateway {

namespace {
template <class Algorithm>
std::unique_ptr<LimiterStore> make(const LimiterSpec& spec, Algorithm algorithm, const LimiterStoreOptions& options) {
  return std::make_unique<ShardedLimiterStore<Algorithm>>(spec, std::move(algorithm), options);
}
}  // namespace

std::unique_ptr<LimiterStore> makeLimiter(const LimiterSpec& spec, const LimiterStoreOptions& options,
                                          std::string* error) {
  if (std::string problem = validateLimiterSpec(spec); !problem.empty()) {
    if (error) *error = std::move(problem);
    return nullptr;
  }
  switch (spec.algorithm) {
    case LimiterAlgorithm::kTokenBucket:
      return make(spec, TokenBucket(spec.rateMilli, spec.burst), options);
    case LimiterAlgorithm::kLeakyBucket:
      return make(spec, LeakyBucket(spec.rateMilli, spec.burst), options);
    case LimiterAlgorithm::kFixedWindow:
      return make(spec, FixedWindow(spec.limit, spec.window), options);
    case LimiterAlgorithm::kSlidingLog:
      return make(spec, SlidingLog(spec.limit, spec.window), options);
    case LimiterAlgorithm::kSlidingCounter:
      return make(spec, SlidingCounter(spec.limit, spec.window), options);
    case LimiterAlgorithm::kGcra:
      return make(spec, Gcra(spec.rateMilli, spec.burst), options);
    case LimiterAlgorithm::kConcurrency:
      return make(spec, ConcurrencyLimit(spec.limit), options);
  }
  if (error) *error = "unknown algorithm";
  return nullptr;
}

}  // namespace gateway
