// The walk over one exchange's rate limits, in order: the consumer's tier, then the route's
// policies. Local limits decide at once; a cluster-scoped limit in exact mode asks the cluster
// store, and the walk goes on (on the Gateway's thread) when the answer comes, so one request
// may pause while its decision is out. A store that cannot answer gets the policy's on_failure:
// fail_open admits, fail_closed answers 503, local_fallback decides with the instance's share.
// RateLimitStage drives it (rate_limit_stage.h); these are its parts.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "libgateway/core/env.h"
#include "libgateway/pipeline/exchange.h"
#include "libgateway/ratelimit/limit_decision.h"

namespace gateway {

// One limit that decided.
struct AppliedLimit {
  const RouteLimiter* limiter;
  const RateLimitPolicy* policy;
  LimitDecision decision;
  // The cluster store did not answer and fail_open admitted, or fail_closed refused: there is
  // no count to tell in the headers.
  bool unknown = false;
};

enum class WalkStep {
  kDone,      // every limit admitted the request
  kDenied,    // the last applied limit refused it (429, or 503 when record.unavailable)
  kAsk,       // the limit at the cursor must ask the cluster store
};

// The limits of one exchange in the order they apply: the consumer's tier (when the route
// counts per consumer and there is one for the exchange), then the route's policies. Found
// once per exchange; views into the runtime the exchange holds.
struct LimitSequence {
  const RouteLimiter* tier = nullptr;
  const std::vector<RouteLimiter>* policies = nullptr;
  // The limit at position `k`, or null past the end. `perRoute`: whether its key counts per
  // route (route policies) or across routes (the tier).
  const RouteLimiter* at(std::size_t k, bool& perRoute) const;
};
LimitSequence limitsOf(const Exchange& ex);

// Writes the key a policy counts by into `key` (a reused buffer).
void limitKey(const RateLimitPolicy& policy, const Exchange& ex, bool perRoute, std::string& key);

// Applies the limits of `limits` from position `k` on, moving `k` past each one that decided.
// Stops at the end, at the first refusal, or at a cluster limit whose decision must be asked
// (kAsk; `key` then holds that limit's key, else it is scratch space).
WalkStep walkLimits(Env& env, Exchange& ex, const LimitSequence& limits, std::vector<AppliedLimit>& applied,
                    std::size_t& k, std::string& key);

// Asks the cluster store for the limit at `k`, whose key is `key` (as walkLimits left them on
// kAsk), with the exchange paused, then walks on from the answer. `finish` is called once the
// walk ends, with the exchange's resumer: it answers or resumes the exchange.
using WalkFinish = void (*)(Env& env, Resumer& resumer, std::vector<AppliedLimit>& applied, WalkStep step);
void askCluster(Env& env, Resumer resumer, const LimitSequence& limits, std::vector<AppliedLimit> applied,
                std::size_t k, std::string key, WalkFinish finish);

}  // namespace gateway
