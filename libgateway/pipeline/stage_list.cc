#include "libgateway/pipeline/stage_list.h"

#include <vector>

#include "libgateway/aggregate/aggregate_stage.h"
#include "libgateway/cache/cache_stage.h"
#include "libgateway/pipeline/consumer_stage.h"
#include "libgateway/pipeline/gateway.h"
#include "libgateway/pipeline/rate_limit_stage.h"
#include "libgateway/pipeline/response_headers_stage.h"
#include "libgateway/pipeline/transform_stage.h"

namespace gateway {

std::span<const StageSpec> standardStages() {
  static const std::vector<StageSpec> stages = {
      ResponseHeadersStage::spec(),  // first in, so last out: its rules see every other stage's fields
      ConsumerStage::spec(),         // identity and authorization: API keys, JWTs, scopes, roles
      RateLimitStage::spec(),        // tiers and named policies; 429, RateLimit headers, leaky delays
      TransformStage::spec(),        // client profiles (BFF): field rules and compression on the way out
      CacheStage::spec(),            // response cache: hits, coalesced fills, stale answers (after limits: hits count)
      AggregateStage::spec(),        // last: the terminal of an aggregation route (its parts' calls)
  };
  return stages;
}

std::span<const RouteExtensionLoader> routeExtensionLoaders() {
  static const std::vector<RouteExtensionLoader> loaders = [] {
    std::vector<RouteExtensionLoader> out;
    for (const StageSpec& spec : standardStages()) out.push_back(spec.route);
    return out;
  }();
  return loaders;
}

std::uint64_t standardStageMask(const RouteConfig& route) {
  const auto stages = standardStages();
  std::uint64_t mask = 0;
  for (std::size_t slot = 0; slot < stages.size() && slot < 64; ++slot) {
    if (!stages[slot].appliesTo || stages[slot].appliesTo(route, slot)) mask |= std::uint64_t{1} << slot;
  }
  return mask;
}

void installStandardStages(Gateway& gateway, SharedState& shared, Env& env) {
  const auto stages = standardStages();
  for (std::size_t slot = 0; slot < stages.size(); ++slot) gateway.addStage(stages[slot].make({shared, env, slot}));
  gateway.useStandardStageMasks();
}

}  // namespace gateway
