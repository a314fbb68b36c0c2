// Applies a route's rate limits: the consumer's tier first (per consumer, across routes),
// then the route's named policies in config order (keyed per route). The first denial
// answers 429 with Retry-After and the limit headers; later limits are then not charged.
// Allowed responses carry the same headers (IETF draft-ietf-httpapi-ratelimit-headers:
// RateLimit-Policy / RateLimit, or the legacy X-RateLimit-* on request by config), added on
// the way out. A leaky bucket's delay pauses the exchange until its slot comes; a concurrency
// limit's slot is given back when the answer goes, however it ends. What was decided is the
// exchange's RateLimitRecord. Scope: per gateway instance, shared by its workers through
// SharedState's LimiterRegistry, or cluster-wide (a policy with scope "cluster": the request
// pauses while the cluster store decides, limit_walk.h). One stage per Gateway (thread).
#pragma once

#include <string>
#include <string_view>

#include <vector>

#include "libgateway/core/env.h"
#include "libgateway/pipeline/exchange.h"
#include "libgateway/pipeline/limit_walk.h"
#include "libgateway/pipeline/stage.h"
#include "libgateway/pipeline/stage_list.h"
#include "libgateway/ratelimit/limit_decision.h"
#include "libgateway/ratelimit/limiter_spec.h"

namespace gateway {

class RateLimitStage final : public Stage {
 public:
  explicit RateLimitStage(Env& env) : env_(env) {}

  std::optional<Response> onRequest(Exchange& exchange) override;
  void onResponse(Exchange& exchange, Response& response) override;

  // Its entry in the stage list.
  static StageSpec spec();

 private:
  Env& env_;
  // Reused per request (a stage belongs to one thread): no allocation on the hot path.
  std::vector<AppliedLimit> applied_;
  std::string keyBuffer_;
  std::string policyText_, stateText_;  // RateLimit-Policy and RateLimit values being built
};

// Ends the walk of the exchange's limits (limit_walk.h): records what was decided, adds the
// limit headers, and returns the 429 (or fail_closed's 503) when a limit refused; holds the
// exchange for a leaky bucket's delay (through `paused` when it is paused already).
std::optional<Response> finishLimits(Env& env, Exchange& ex, const std::vector<AppliedLimit>& applied, WalkStep step,
                                     std::string& policyText, std::string& stateText, Resumer* paused);

// Whole seconds, rounded up, for Retry-After and the `t` header parameter.
std::int64_t ceilSeconds(Duration d);

// The policy's item of the RateLimit-Policy header: its sustained quota `q` per window `w`
// (whole seconds), `gw-burst` when what may pass at once differs from q, and a concurrency
// limit's q in "concurrent-requests". The mapping of each algorithm to q and w is in
// libgateway/SEMANTICS.md, "RateLimit-Policy: q and w for each algorithm".
std::string rateLimitPolicyItem(std::string_view name, const LimiterSpec& spec);

}  // namespace gateway
