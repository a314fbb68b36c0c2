// One request's journey through the gateway: the request's facts (the request, its route,
// times, consumer, outcome) and one small record per concern that observers read through
// accessors: rate limiting (rateLimit()), and the upstream call with its tries and what the
// resilience policies did (upstream()). Created by Gateway::handle and owned by shared_ptrs
// held by whatever may still act on it (the transport, a timer, a paused stage's Resumer);
// lives on one Gateway's thread. Observers see it when it completes.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libgateway/core/env.h"
#include "libgateway/core/intrusive_list.h"
#include "libgateway/http/message.h"
#include "libgateway/pipeline/correlation.h"
#include "libgateway/pipeline/gateway_runtime.h"
#include "libgateway/pipeline/rate_limit_record.h"
#include "libgateway/pipeline/upstream_call.h"

namespace gateway {

class BodyCollector;
class ExchangeObserver;
class Gateway;
class Resumer;

// A stage's state for one exchange (the cache's key and fill, an aggregation's part calls):
// set in onRequest, found again in onResponse or by the stage's callbacks, destroyed with
// the exchange (before its other members).
class StageState {
 public:
  virtual ~StageState() = default;
};

struct Exchange : std::enable_shared_from_this<Exchange> {
  // User-provided (defined in exchange.cc), so make_shared does not zero the whole object
  // before constructing it: every member has its own initialiser.
  Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;
  ~Exchange();

  Request request;
  std::function<void(Response)> done;
  std::shared_ptr<const GatewayRuntime> runtime;

  TimePoint start = 0;
  TimePoint end = 0;
  CorrelationId correlationId;

  // Routing.
  bool routed = false;
  std::size_t routeIndex = 0;
  RouteMatch match;
  // Identity (ConsumerStage).
  std::int64_t unixStart = 0;   // `start` on the Unix clock (microseconds), for JWT exp/nbf
  std::string consumer;
  std::string tier;
  std::string userId;           // JWT sub
  std::string_view authMethod;  // "jwt", "api_key" or "" (anonymous)
  // Why the request ended as it did: "upstream", "no_route", "rate_limited",
  // "upstream_timeout", ... (static strings, stable: traces and logs use them).
  std::string_view outcome;

  // The upstream call of a proxied route.
  UpstreamCall call;

  const RateLimitRecord& rateLimit() const { return rateLimit_; }
  RateLimitRecord& rateLimit() { return rateLimit_; }
  // The upstream call's record once a try reached the transport, else null.
  const UpstreamRecord* upstream() const { return call.record().forwarded ? &call.record() : nullptr; }
  // The record of the call even when no try started (a 503 from an open breaker).
  const UpstreamRecord& callRecord() const { return call.record(); }

  const RouteConfig* route() const { return routed ? &runtime->config().routes[routeIndex] : nullptr; }
  const ServiceConfig* service() const {
    return call.record().forwarded ? runtime->service(call.record().serviceIndex).config : nullptr;
  }

  // For a request stage that cannot decide yet (call it from onRequest): the pipeline stops
  // after this stage's onRequest returns, until the returned Resumer resumes or answers it.
  // The stage sees to it that one of them happens (with a timeout of its own if it waits on
  // something that may not come): an exchange whose Resumers are all dropped unused is never
  // answered (as one whose timers a stopping worker drops).
  Resumer pause();
  bool paused() const { return paused_; }

  // The state the stage at `slot` (StageSetup::slot) keeps for this exchange, or null.
  template <class T>
  T* stageState(std::size_t slot) const {
    return slot < stageStates_.size() ? static_cast<T*>(stageStates_[slot].get()) : nullptr;
  }
  // Replaces it (null clears it).
  void setStageState(std::size_t slot, std::unique_ptr<StageState> state);
  bool finished() const { return finished_; }
  // The observer of the Gateway running this exchange (null: none, or the Gateway is gone),
  // for a stage that makes upstream calls of its own (an aggregation's parts).
  ExchangeObserver* observer() const;

 private:
  friend class Gateway;
  friend class Resumer;

  RateLimitRecord rateLimit_;
  // Pipeline bookkeeping (the Gateway's).
  Gateway* gateway_ = nullptr;        // null once the Gateway went away
  ListHook<Exchange> liveHook_;       // the Gateway's list of live exchanges
  std::uint32_t stageCursor_ = 0;     // the stage running, or the next to run
  std::uint32_t stagesEntered_ = 0;   // stages whose onRequest ran: they see the response
  std::uint32_t pauseToken_ = 0;      // so a Resumer acts once
  std::unique_ptr<BodyCollector> collector_;  // reading a streamed body a stage needs whole
  std::shared_ptr<Exchange> hold_;            // itself, while the collector reads
  bool paused_ = false;
  bool finished_ = false;
  // Last, so destroyed first: a stage's state may hold calls that still look at the rest.
  std::vector<std::unique_ptr<StageState>> stageStates_;  // by stage slot; empty until used
};

// A paused exchange's way back into the pipeline, held by whatever will wake it (a timer,
// another exchange's completion). Copyable; only the first resume() or answer() counts, and
// none does after the Gateway went away.
class Resumer {
 public:
  Resumer() = default;
  // Goes on with the stage after the one that paused.
  void resume();
  // Answers now: the response passes back through the pausing stage and those before it.
  void answer(Response response);
  bool pending() const;
  Exchange* exchange() const { return exchange_.get(); }

 private:
  friend struct Exchange;
  Resumer(std::shared_ptr<Exchange> exchange, std::uint32_t token) : exchange_(std::move(exchange)), token_(token) {}
  std::shared_ptr<Exchange> exchange_;
  std::uint32_t token_ = 0;
};

// Sees every completed exchange. Called on the Gateway's thread.
class ExchangeObserver {
 public:
  virtual ~ExchangeObserver() = default;
  // The answer is on its way to the client.
  virtual void onComplete(const Exchange& exchange, const Response& response) = 0;
  // Every request stage let the request through, at the time of that decision (so calls
  // arrive in time order, unlike completions).
  virtual void onAdmitted(const Exchange&) {}
  // A service's circuit breaker changed state; `exchange` is the request whose call caused it.
  virtual void onBreakerTransition(const Exchange&, const ServiceConfig&, const BreakerTransition&) {}
  // Outlier detection ejected or readmitted an instance of `service`.
  virtual void onOutlierEvent(const Exchange&, const ServiceConfig&, const OutlierEvent&) {}
};

}  // namespace gateway
