// One upstream call: the unit a proxied route runs once (and an aggregation route, later, once
// per part). It chooses the service (a weighted split), takes a concurrency slot or waits in
// the service's max_pending queue, then per try: a circuit-breaker permit, an instance (the
// load balancer, skipping ejected instances and the previous try's), the upstream request
// with this try's Host, the transport with the try's deadline, and the accounting (breaker,
// outlier detection, adaptive concurrency). It retries within the target's retry policy and
// the service's retry budget, maps what happened to one answer (the upstream's response, or a
// 502 / 503 / 504 of the gateway's) and hands it to its listener. It never answers a client.
// A call lives inside its owner (an Exchange), on its Gateway's thread. While the transport,
// a timer or the slot queue holds it, it keeps its owner alive through the aliasing
// shared_ptr given to start(); destroying it mid-call cancels what it holds.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libgateway/core/env.h"
#include "libgateway/core/intrusive_list.h"
#include "libgateway/pipeline/correlation.h"
#include "libgateway/resilience/circuit_breaker.h"
#include "libgateway/resilience/concurrency_limiter.h"
#include "libgateway/resilience/outlier_detector.h"
#include "libgateway/resilience/retry_budget.h"
#include "libgateway/resilience/retry_policy.h"

namespace gateway {

struct Exchange;
class UpstreamCall;
class UpstreamCaller;

// Where a call goes and how; compiled once per route (RouteRuntime::target).
struct CallTarget {
  std::vector<std::size_t> backends;   // service indices
  std::vector<std::uint32_t> weights;  // same order; used when there are several
  std::uint64_t totalWeight = 0;
  std::optional<RetryPolicy> retry;    // when the target retries (max_retries > 0)
  std::optional<Duration> timeout;     // the whole call's deadline; default: the service's timeout
  bool preserveHost = true;            // send the client's Host (else the instance's address)
  const std::string* hostRewrite = nullptr;  // a fixed upstream Host, when set
  std::string_view hiddenKeyField;     // an API-key field not to send upstream (hide_credentials)
  bool hideBearer = false;             // nor a bearer Authorization
  // Set: the method sent instead of the client's, without a body and with the client's
  // conditional, range and content fields left out: an aggregation part's plain GET, which
  // asks for JSON, uncompressed (Accept-Encoding: identity).
  std::string_view method;
};

// What a call did, for observers (access log, metrics, traces) and the caller.
struct UpstreamRecord {
  bool forwarded = false;          // at least one try reached the transport
  std::size_t serviceIndex = 0;
  std::size_t instanceIndex = 0;   // the latest try's
  std::uint32_t tries = 0;         // retries = tries - 1
  TimePoint tryStart = 0;          // of the latest try
  TimePoint tryEnd = 0;
  UpstreamOutcome outcome = UpstreamOutcome::kResponse;  // of the latest try
  // Resilience: what the service's policies did to this call.
  bool circuitOpen = false;             // answered 503 by an open breaker, without a try
  bool overloaded = false;              // refused by max_requests / max_pending
  bool waitedForSlot = false;           // waited in the max_pending queue
  bool retryBudgetExhausted = false;    // a retry was refused by the retry budget
  // Rare, so kept out of line (an exchange is made a million times a second in gwsim).
  std::unique_ptr<BreakerTransition> breakerTransition;  // the latest transition it caused
  std::unique_ptr<OutlierEvent> ejection;                // an ejection it caused
};

class CallListener {
 public:
  virtual ~CallListener() = default;
  // The call's one answer: a response to relay, and why it ended as it did ("upstream",
  // "upstream_timeout", "upstream_connect_error", "circuit_open", "overloaded", ...). Called
  // once, on the Gateway's thread; the call is over (it may be destroyed after).
  virtual void onCallAnswer(UpstreamCall& call, Response&& response, std::string_view outcome) = 0;
};

class UpstreamCall {
 public:
  UpstreamCall() = default;
  UpstreamCall(const UpstreamCall&) = delete;
  UpstreamCall& operator=(const UpstreamCall&) = delete;
  ~UpstreamCall() {
    if (started_) end();
  }

  // Starts the call. `exchange` owns the call (directly or through a stage's state) and is
  // what the call keeps alive while held; the call reads its request, correlation id and
  // runtime. `target` and `listener` outlive the call. `upstreamTarget` is the path and query
  // to send (null: the client's own target, as it came); `forwardBody` moves the exchange's
  // request body into the call.
  void start(UpstreamCaller& caller, Exchange& exchange, const CallTarget& target, std::string* upstreamTarget,
             bool forwardBody, CallListener& listener);
  // Ends the call without an answer (its owner gave up): what it holds is given back.
  void cancel();

  const UpstreamRecord& record() const { return record_; }
  const Exchange& exchange() const { return *exchange_; }
  Exchange& owner() { return *exchange_; }
  bool active() const { return started_ && !answered_; }

 private:
  friend class UpstreamCaller;

  // This call, sharing its exchange's ownership.
  std::shared_ptr<UpstreamCall> self();
  void proceed();  // slot taken: build the request, first try
  void onSlotDeadline();
  void startAttempt();
  void onTransportResult(std::uint32_t attempt, UpstreamResult&& result);
  void onAttemptDeadline(std::uint32_t attempt);
  void endAttempt();
  void onTryResult(UpstreamResult&& result);
  void respond(UpstreamResult&& result);                         // maps a result to the answer
  void answerWithoutTry(Response fallback, std::string_view outcome);  // no try could start
  void answer(Response&& response, std::string_view outcome);
  void releaseHolds();
  void holdUntilBodyDone(BodyStream& body);
  void end();  // the destructor's work for a started call
  void noteTransition(BreakerTransition transition);
  void noteOutlier(OutlierEvent event);
  std::optional<std::size_t> pickInstance(TimePoint now);
  void buildRequest(Request& up);

  UpstreamCaller* caller_ = nullptr;  // null once its Gateway went away
  Exchange* exchange_ = nullptr;
  const CallTarget* target_ = nullptr;
  CallListener* listener_ = nullptr;
  std::shared_ptr<UpstreamCall> self_;  // held while the transport has the call
  std::uint32_t transportHolds_ = 0;    // sends whose callback has not come yet
  std::string upstreamTarget_;
  bool clientTarget_ = false;           // send the client's own target
  bool forwardBody_ = false;
  std::optional<Request> request_;      // the upstream request, kept while retries remain
  std::unique_ptr<UpstreamResult> lastFailure_;  // answered when a retry cannot be made after all
  TraceParent traceParent_;             // the child span sent upstream
  TimePoint deadline_ = 0;              // the whole call's
  TimePoint attemptDeadline_ = 0;       // min(deadline, try start + per_try_timeout)
  TimerId timer_ = 0;                   // the try's deadline, or the slot queue's
  bool started_ = false;
  bool answered_ = false;
  bool attemptOpen_ = false;            // the current try is counted in the instance's in-flight
  bool pendingSlot_ = false;            // holds a place in the max_pending queue
  bool replayable_ = false;             // the request was kept for a retry
  BreakerPermit breakerPermit_;
  ConcurrencyPermit concurrencyPermit_;
  RetryBudget::RequestGuard budgetRequest_;
  RetryBudget::RetryGuard budgetRetry_;
  ListHook<UpstreamCall> liveHook_;     // UpstreamCaller's list of started calls
  UpstreamRecord record_;
};

}  // namespace gateway
