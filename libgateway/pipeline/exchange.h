// One request's journey through the gateway: the request, what each stage decided, and the
// timings. Created by Gateway::handle, owned by a shared_ptr that the pending upstream call
// and deadline timer hold; lives on one Gateway's thread. Observers read it at completion
// for access logs, metrics and simulator traces.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "libgateway/core/env.h"
#include "libgateway/http/message.h"
#include "libgateway/pipeline/correlation.h"
#include "libgateway/pipeline/gateway_runtime.h"
#include "libgateway/resilience/circuit_breaker.h"
#include "libgateway/resilience/concurrency_limiter.h"
#include "libgateway/resilience/outlier_detector.h"
#include "libgateway/resilience/retry_budget.h"

namespace gateway {

class Gateway;

struct Exchange : std::enable_shared_from_this<Exchange> {
  // User-provided (defined in exchange.cc), so make_shared does not zero the whole object
  // before constructing it: every member has its own initialiser.
  Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;
  // An exchange dropped without an answer (a transport that never called back) still gives
  // back its try's in-flight count, breaker trial slot and timer; RAII members do the rest.
  ~Exchange();

  Request request;
  std::function<void(Response)> done;
  std::shared_ptr<const GatewayRuntime> runtime;

  TimePoint start = 0;
  TimePoint end = 0;
  CorrelationId correlationId;
  TraceParent traceParent;  // the child span sent upstream

  // Routing.
  bool routed = false;
  std::size_t routeIndex = 0;
  RouteMatch match;
  // Identity (ConsumerFilter).
  std::int64_t unixStart = 0;   // `start` on the Unix clock (microseconds), for JWT exp/nbf
  std::string consumer;
  std::string tier;
  std::string userId;           // JWT sub
  std::string_view authMethod;  // "jwt", "api_key" or "" (anonymous)
  // Upstream.
  bool forwarded = false;
  std::size_t serviceIndex = 0;
  std::size_t instanceIndex = 0;
  TimePoint upstreamStart = 0;  // of the latest try
  TimePoint upstreamEnd = 0;
  UpstreamOutcome upstreamOutcome = UpstreamOutcome::kResponse;
  // Tries, timeouts and retries (Gateway::forward).
  Gateway* gateway = nullptr;        // the Gateway handling it, for timer and transport callbacks
  TimePoint deadline = 0;            // the route's overall deadline
  TimePoint attemptDeadline = 0;     // the current try's: min(deadline, start + per_try_timeout)
  std::uint32_t attempts = 0;        // upstream tries started (retries = attempts - 1)
  bool attemptOpen = false;          // the current try is in flight (counted in InFlightCounters)
  TimerId timer = 0;                 // the current try's deadline, or a pending-slot deadline
  std::uint32_t transportHolds = 0;  // sends whose callback has not come yet
  std::shared_ptr<Exchange> upstreamHold;  // set while the transport holds the exchange
  // The Gateway's list of live exchanges (Gateway::live_), so a Gateway that goes away first
  // can detach them and break the upstreamHold self-reference.
  Exchange* livePrev = nullptr;
  Exchange* liveNext = nullptr;
  std::optional<Request> upstream;   // the upstream request, kept (and copied) while retries remain
  std::optional<UpstreamResult> lastFailure;  // answered when a retry cannot be made after all
  // Resilience policies.
  BreakerPermit breakerPermit;       // of the current try
  bool circuitOpen = false;          // answered 503 by an open circuit breaker
  std::optional<BreakerTransition> breakerTransition;  // the latest transition this exchange caused
  std::optional<OutlierEvent> ejection;                // an ejection this exchange caused
  bool retryBudgetExhausted = false; // a retry was refused by the service's retry budget
  bool overloaded = false;           // refused by max_requests / max_pending
  bool waitedForSlot = false;        // waited in the max_pending queue
  bool pendingSlot = false;          // holds a place in that queue (released by ~Exchange too)
  ConcurrencyPermit concurrencyPermit;
  RetryBudget::RequestGuard budgetRequest;
  RetryBudget::RetryGuard budgetRetry;
  // Why the request ended as it did: "upstream", "no_route", "method_not_allowed",
  // "rate_limited", "upstream_timeout", ... (stable strings used in traces and logs).
  std::string outcome;
  // Rate limiting (RateLimitFilter); limiterDecision() renders it for traces and logs.
  const std::string* limitPolicy = nullptr;  // the policy that denied, or the last that allowed
  bool rateLimited = false;                  // answered 429 by a limiter
  std::int64_t limitRemaining = 0;
  Duration limitRetryAfter = 0;              // when denied; kNever if no wait will do
  Duration limitDelay = 0;                   // leaky bucket: how long the request is held
  Headers responseHeaders;       // added to the final response (rate-limit headers)
  bool finished = false;
  std::function<void()> onFinish;  // policy clean-up hooks (concurrency release), run once

  // "allow:free r=4", "deny:free retry=120000us", "delay:free d=5000us" or "" (no limit).
  std::string limiterDecision() const;

  const RouteConfig* route() const { return routed ? &runtime->config().routes[routeIndex] : nullptr; }
  const ServiceConfig* service() const { return forwarded ? runtime->service(serviceIndex).config : nullptr; }
};

// Sees every completed exchange. Called on the Gateway's thread after the response is sent.
class ExchangeObserver {
 public:
  virtual ~ExchangeObserver() = default;
  virtual void onComplete(const Exchange& exchange, const Response& response) = 0;
  // Called when every filter has let the request through, at the time of that decision
  // (so calls arrive in time order, unlike completions).
  virtual void onAdmitted(const Exchange&) {}
  // A service's circuit breaker changed state; `exchange` is the request whose admission or
  // result caused it (called at that moment, on the Gateway's thread).
  virtual void onBreakerTransition(const Exchange&, const BreakerTransition&) {}
  // Outlier detection ejected or readmitted an instance of `exchange`'s service.
  virtual void onOutlierEvent(const Exchange&, const OutlierEvent&) {}
};

// A pipeline stage between routing and the upstream call: it lets the request continue
// (nullopt) or answers it locally (a 401, a 429, a cache hit). Filters are per Gateway
// (per thread) and keep their shared policy state in SharedState.
class RequestFilter {
 public:
  virtual ~RequestFilter() = default;
  virtual std::optional<Response> onRequest(Exchange& exchange) = 0;
};

}  // namespace gateway
