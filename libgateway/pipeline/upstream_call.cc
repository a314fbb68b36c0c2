#include "libgateway/pipeline/upstream_call.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "libgateway/pipeline/exchange.h"
#include "libgateway/pipeline/rate_limit_stage.h"
#include "libgateway/pipeline/upstream_caller.h"
#include "libgateway/pipeline/upstream_request.h"

namespace gateway {

namespace {

std::size_t chooseBackend(const CallTarget& target, Random& random) {
  if (target.backends.size() == 1) return target.backends[0];
  std::uint64_t ticket = random.uniform(target.totalWeight);
  for (std::size_t i = 0; i < target.backends.size(); ++i) {
    if (ticket < target.weights[i]) return target.backends[i];
    ticket -= target.weights[i];
  }
  return target.backends.back();
}

// Fields of the client's request that do not carry over to a request of the gateway's own
// (CallTarget::method): its body's, its conditions and ranges, what it accepts.
bool ownRequestField(std::string_view name) {
  for (std::string_view n : {"content-type", "content-length", "content-encoding", "expect", "range", "if-range",
                             "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "accept",
                             "accept-encoding"}) {
    if (iequals(name, n)) return true;
  }
  return false;
}

std::string_view failureOutcome(UpstreamOutcome outcome) {
  switch (outcome) {
    case UpstreamOutcome::kConnectError: return "upstream_connect_error";
    case UpstreamOutcome::kProtocolError: return "upstream_protocol_error";
    case UpstreamOutcome::kReset: return "upstream_reset";
    case UpstreamOutcome::kTimeout: return "upstream_timeout";
    case UpstreamOutcome::kResponse: return "upstream";
  }
  return "upstream";
}

}  // namespace

void UpstreamCall::end() {
  cancel();
  if (caller_) caller_->unlink(this);
}

void UpstreamCall::start(UpstreamCaller& caller, Exchange& exchange, const CallTarget& target, std::string* upstreamTarget,
                         bool forwardBody, CallListener& listener) {
  caller_ = &caller;
  exchange_ = &exchange;
  target_ = &target;
  listener_ = &listener;
  clientTarget_ = upstreamTarget == nullptr;
  if (upstreamTarget) upstreamTarget_ = std::move(*upstreamTarget);
  forwardBody_ = forwardBody;
  started_ = true;
  caller.link(this);

  Env& env = caller.env();
  const std::size_t serviceIndex = chooseBackend(target, env.random);
  ServiceRuntime& service = exchange.runtime->service(serviceIndex);
  record_.serviceIndex = serviceIndex;
  deadline_ = env.clock.now() + target.timeout.value_or(service.config->timeout);
  std::optional<TraceParent> parent = parseTraceParent(exchange.request.headers.get("traceparent"));
  traceParent_ = childTraceParent(parent, env.random);
  budgetRequest_ = RetryBudget::RequestGuard(service.retryBudget);
  if (service.concurrency && !caller.acquireSlot(*this, service)) return;
  proceed();
}

std::shared_ptr<UpstreamCall> UpstreamCall::self() { return std::shared_ptr<UpstreamCall>(exchange_->shared_from_this(), this); }

void UpstreamCall::proceed() {
  buildRequest(request_.emplace());
  startAttempt();
}

void UpstreamCall::buildRequest(Request& up) {
  const Config& config = exchange_->runtime->config();
  UpstreamRequestParts parts{config.observability.correlationHeader, exchange_->correlationId, traceParent_.str(),
                             target_->hostRewrite, target_->hiddenKeyField, target_->hideBearer};
  buildUpstreamRequest(exchange_->request, clientTarget_ ? nullptr : &upstreamTarget_, parts, up, caller_->forwardedFor_,
                       caller_->hopNames_);
  if (!target_->method.empty()) {
    up.method = target_->method;
    up.headers.removeIf([](const Headers::Field& f) { return ownRequestField(f.name); });
    up.headers.set("Accept", "application/json");
    up.headers.set("Accept-Encoding", "identity");
  }
  if (forwardBody_) {
    // The body moves: nothing after forwarding reads it (the client's fields stay for logs
    // and hash keys).
    up.body = std::move(exchange_->request.body);
    up.stream = std::move(exchange_->request.stream);
  }
}

void UpstreamCall::onSlotDeadline() {
  timer_ = 0;
  if (!caller_ || answered_) return;
  ServiceRuntime& service = exchange_->runtime->service(record_.serviceIndex);
  caller_->leaveQueue(*this, service.concurrency.get());
  service.concurrency->removePending();
  pendingSlot_ = false;
  record_.overloaded = true;
  answer(errorResponse(504, "pending_timeout",
                       fmt::format("no upstream slot of service \"{}\" freed before the route's deadline", service.config->name)),
         "pending_timeout");
}

std::optional<std::size_t> UpstreamCall::pickInstance(TimePoint now) {
  ServiceRuntime& service = exchange_->runtime->service(record_.serviceIndex);
  UpstreamCaller& caller = *caller_;
  PickContext pick;
  const auto& lb = service.config->loadBalancer;
  if (lb.algorithm == LbAlgorithm::kRingHash || lb.algorithm == LbAlgorithm::kMaglev) {
    // Views into the requests, unchanged until the pick returns.
    const Request& client = exchange_->request;
    const Headers& headers = request_ ? request_->headers : client.headers;
    switch (lb.hashOn.source) {
      case HashKeyConfig::Source::kClientAddress: pick.hashKey = client.clientIp(); break;
      case HashKeyConfig::Source::kHeader: pick.hashKey = headers.get(lb.hashOn.header); break;
      case HashKeyConfig::Source::kPath: pick.hashKey = client.path(); break;
    }
  }
  std::span<const std::uint8_t> ejected;
  if (service.outliers) {
    caller.readmitted_.clear();
    ejected = service.outliers->excluded(now, caller.excludedBuffer_, &caller.readmitted_);
    for (auto& e : caller.readmitted_) noteOutlier(std::move(e));
  }
  if (record_.tries > 0 && service.config->instances.size() > 1) {
    // A retry goes to another instance when there is one (Envoy's previous_hosts predicate).
    caller.retryExcluded_.assign(service.config->instances.size(), 0);
    for (std::size_t i = 0; i < ejected.size(); ++i) caller.retryExcluded_[i] = ejected[i];
    caller.retryExcluded_[record_.instanceIndex] = 1;
    pick.excluded = caller.retryExcluded_;
    if (auto instance = service.balancer->pick(pick, caller.env().random)) return instance;
  }
  pick.excluded = ejected;
  return service.balancer->pick(pick, caller.env().random);
}

void UpstreamCall::startAttempt() {
  if (answered_ || !caller_) return;
  Env& env = caller_->env();
  ServiceRuntime& service = exchange_->runtime->service(record_.serviceIndex);
  const TimePoint now = env.clock.now();
  if (service.breaker) {
    std::optional<BreakerTransition> t;
    breakerPermit_ = service.breaker->tryAcquire(now, &t);
    if (t) noteTransition(std::move(*t));
    if (!breakerPermit_.admitted) {
      const Duration wait = breakerPermit_.retryAfter;
      Response r = errorResponse(503, "circuit_open",
                                 fmt::format("service \"{}\" is failing: its circuit breaker is {}", service.config->name,
                                             toString(service.breaker->state())));
      // Rounded up: a client that waits this long finds the breaker ready for a trial call.
      r.headers.set("Retry-After", std::to_string(std::max<std::int64_t>(1, ceilSeconds(wait))));
      if (record_.tries == 0) record_.circuitOpen = true;
      answerWithoutTry(std::move(r), "circuit_open");
      return;
    }
  }
  const auto instance = pickInstance(now);
  if (!instance) {
    if (service.breaker) service.breaker->abandon(breakerPermit_);
    breakerPermit_ = {};
    answerWithoutTry(errorResponse(503, "no_healthy_upstream",
                                   fmt::format("service \"{}\" has no available instance", service.config->name)),
                     "no_healthy_upstream");
    return;
  }
  record_.forwarded = true;
  record_.instanceIndex = *instance;
  const std::uint32_t attempt = ++record_.tries;
  const CallTarget& target = *target_;
  // A request whose body streams cannot be sent twice.
  const bool mayRetry = target.retry && attempt <= target.retry->config().maxRetries && !request_->stream;
  const Duration perTry = target.retry && target.retry->config().perTryTimeout ? *target.retry->config().perTryTimeout : kNever;
  attemptDeadline_ = perTry == kNever ? deadline_ : std::min(deadline_, now + perTry);
  record_.tryStart = now;
  attemptOpen_ = true;
  service.inFlight->increment(*instance);
  // The timer guarantees the deadline even if a transport is late to report it. It holds a
  // plain pointer: until the transport answers, its callback keeps the call alive, and
  // ~UpstreamCall cancels it. A transport that answers at the deadline itself needs none.
  if (!env.transport.timesOutAtDeadline()) {
    timer_ = env.scheduler.schedule(attemptDeadline_, [this, attempt] { onAttemptDeadline(attempt); });
  }
  const InstanceConfig& ic = service.config->instances[*instance];
  Endpoint endpoint{service.config->name, ic.id, ic.address};
  // While the transport has the request, the call holds its owner (released with the last
  // callback), so the callback can hold a plain pointer.
  ++transportHolds_;
  if (!self_) self_ = self();
  replayable_ = mayRetry;
  auto onResult = [this, attempt](UpstreamResult result) { onTransportResult(attempt, std::move(result)); };
  const bool instanceHost = !target.preserveHost && !target.hostRewrite;
  if (mayRetry) {
    // A call that may retry keeps its request as built (a retry's hash key and Host come
    // from it, not from this try's instance), and sends a copy.
    Request copy(*request_);
    if (instanceHost) copy.headers.set("Host", ic.address);
    env.transport.send(endpoint, std::move(copy), attemptDeadline_, std::move(onResult));
  } else {
    if (instanceHost) request_->headers.set("Host", ic.address);
    env.transport.send(endpoint, std::move(*request_), attemptDeadline_, std::move(onResult));
  }
}

void UpstreamCall::onTransportResult(std::uint32_t attempt, UpstreamResult&& result) {
  // The last callback lets go of the owner; keep it until this one returns.
  std::shared_ptr<UpstreamCall> keep = --transportHolds_ == 0 ? std::move(self_) : nullptr;
  // A try that already timed out (or a call already over) reports too late.
  if (answered_ || !caller_ || attempt != record_.tries || !attemptOpen_) return;
  endAttempt();
  onTryResult(std::move(result));
}

void UpstreamCall::onAttemptDeadline(std::uint32_t attempt) {
  timer_ = 0;
  if (answered_ || attempt != record_.tries || !attemptOpen_) return;
  // The transport still holds the call: keep it alive past the answer.
  std::shared_ptr<UpstreamCall> keep = self_;
  // The request no longer counts against the instance; the late result will not either.
  endAttempt();
  UpstreamResult timeout;
  timeout.outcome = UpstreamOutcome::kTimeout;
  onTryResult(std::move(timeout));
}

void UpstreamCall::endAttempt() {
  attemptOpen_ = false;
  exchange_->runtime->service(record_.serviceIndex).inFlight->decrement(record_.instanceIndex);
  Env& env = caller_->env();
  if (timer_ != 0) {
    env.scheduler.cancel(timer_);
    timer_ = 0;
  }
  record_.tryEnd = env.clock.now();
  budgetRetry_.reset();  // the retry this try was is over
}

void UpstreamCall::onTryResult(UpstreamResult&& result) {
  Env& env = caller_->env();
  ServiceRuntime& service = exchange_->runtime->service(record_.serviceIndex);
  const TimePoint now = env.clock.now();
  record_.outcome = result.outcome;
  if (result.clientFault) {
    // The client's body failed, not the upstream: nothing is charged to the service.
    if (service.breaker) service.breaker->abandon(breakerPermit_);
    breakerPermit_ = {};
    answer(errorResponse(400, "request_body_error", "the request body did not arrive whole: " + result.detail),
           "request_body_error");
    return;
  }
  const bool responded = result.outcome == UpstreamOutcome::kResponse;
  const int status = responded ? result.response.status : 0;
  const Duration took = now - record_.tryStart;
  if (service.breaker) {
    const bool failure = !responded || service.breaker->config().failureStatuses.contains(status);
    std::optional<BreakerTransition> t;
    service.breaker->onResult(breakerPermit_, failure, took, now, &t);
    breakerPermit_ = {};
    if (t) noteTransition(std::move(*t));
  }
  if (service.outliers) {
    if (auto e = service.outliers->onResult(record_.instanceIndex, callHealth(responded, status), now)) {
      record_.ejection = std::make_unique<OutlierEvent>(*e);
      noteOutlier(std::move(*e));
    }
  }
  if (service.concurrency) service.concurrency->onSample(took, result.outcome == UpstreamOutcome::kTimeout);

  const CallTarget& target = *target_;
  if (replayable_ && record_.tries <= target.retry->config().maxRetries &&
      target.retry->retriable(result.outcome, status) &&
      target.retry->allowsMethod(target.method.empty() ? std::string_view(exchange_->request.method) : target.method)) {
    const Duration wait = target.retry->backoff(record_.tries - 1, env.random);
    if (now + wait < deadline_) {
      RetryBudget::RetryGuard slot = RetryBudget::tryRetry(service.retryBudget);
      if (slot || !service.retryBudget) {
        budgetRetry_ = std::move(slot);
        // A retried response's streamed body is never read: dropping it closes its connection.
        lastFailure_ = std::make_unique<UpstreamResult>(std::move(result));
        if (wait <= 0) {
          startAttempt();
        } else {
          env.scheduler.schedule(now + wait, [self = self()] { self->startAttempt(); });
        }
        return;
      }
      record_.retryBudgetExhausted = true;
    }
  }
  respond(std::move(result));
}

void UpstreamCall::respond(UpstreamResult&& result) {
  record_.outcome = result.outcome;
  switch (result.outcome) {
    case UpstreamOutcome::kResponse:
      removeHopByHopHeaders(result.response.headers);
      answer(std::move(result.response), "upstream");
      return;
    case UpstreamOutcome::kTimeout:
      answer(errorResponse(504, "upstream_timeout", "the upstream did not answer within the route's deadline"),
             "upstream_timeout");
      return;
    case UpstreamOutcome::kConnectError:
    case UpstreamOutcome::kProtocolError:
    case UpstreamOutcome::kReset: {
      const std::string_view outcome = failureOutcome(result.outcome);
      std::string message = fmt::format("upstream {} failed: {}", exchange_->runtime->service(record_.serviceIndex).config->name,
                                        toString(result.outcome));
      if (!result.detail.empty()) message += " (" + result.detail + ")";
      answer(errorResponse(502, outcome, message), outcome);
      return;
    }
  }
}

void UpstreamCall::answerWithoutTry(Response fallback, std::string_view outcome) {
  if (lastFailure_) {
    // A retry that could not start: the caller gets what the last try got.
    UpstreamResult last = std::move(*lastFailure_);
    lastFailure_.reset();
    respond(std::move(last));
    return;
  }
  answer(std::move(fallback), outcome);
}

void UpstreamCall::answer(Response&& response, std::string_view outcome) {
  if (answered_) return;
  answered_ = true;
  if (response.stream) holdUntilBodyDone(*response.stream);
  releaseHolds();
  listener_->onCallAnswer(*this, std::move(response), outcome);
}

// A relayed answer whose body streams still occupies its instance and its concurrency slot
// until the body is done (the least-request balancer and max_requests see it).
void UpstreamCall::holdUntilBodyDone(BodyStream& body) {
  struct StreamHolds {
    std::shared_ptr<const GatewayRuntime> runtime;
    std::size_t service = 0, instance = 0;
    ConcurrencyPermit permit;              // a freed slot is found by the slot queue's poll
    RetryBudget::RequestGuard request;
    ~StreamHolds() { runtime->service(service).inFlight->decrement(instance); }
  };
  auto holds = std::make_shared<StreamHolds>();
  holds->runtime = exchange_->runtime;
  holds->service = record_.serviceIndex;
  holds->instance = record_.instanceIndex;
  holds->runtime->service(holds->service).inFlight->increment(holds->instance);
  holds->permit = std::move(concurrencyPermit_);
  holds->request = std::move(budgetRequest_);
  body.keep(std::move(holds));
}

void UpstreamCall::releaseHolds() {
  // Policy holds end with the answer, however it came about.
  request_.reset();
  lastFailure_.reset();
  budgetRetry_.reset();
  budgetRequest_.reset();
  if (ConcurrencyLimiter* limiter = concurrencyPermit_.limiter()) {
    concurrencyPermit_.reset();
    if (caller_) caller_->wakeWaiters(limiter);
  }
}

void UpstreamCall::cancel() {
  if (!started_ || answered_) return;
  answered_ = true;
  if (caller_) {
    if (timer_ != 0) caller_->env().scheduler.cancel(timer_);
    timer_ = 0;
    if (pendingSlot_) caller_->leaveQueue(*this, exchange_->runtime->service(record_.serviceIndex).concurrency.get());
  }
  if (pendingSlot_) exchange_->runtime->service(record_.serviceIndex).concurrency->removePending();
  pendingSlot_ = false;
  if (attemptOpen_) {
    // Dropped mid-try: give back what the try held.
    attemptOpen_ = false;
    ServiceRuntime& service = exchange_->runtime->service(record_.serviceIndex);
    service.inFlight->decrement(record_.instanceIndex);
    if (service.breaker) service.breaker->abandon(breakerPermit_);
  }
  request_.reset();
  lastFailure_.reset();
  budgetRetry_.reset();
  budgetRequest_.reset();
  concurrencyPermit_.reset();
}

void UpstreamCall::noteTransition(BreakerTransition transition) {
  record_.breakerTransition = std::make_unique<BreakerTransition>(std::move(transition));
  if (ExchangeObserver* o = caller_->observer()) {
    o->onBreakerTransition(*exchange_, *exchange_->runtime->service(record_.serviceIndex).config, *record_.breakerTransition);
  }
}

void UpstreamCall::noteOutlier(OutlierEvent event) {
  if (ExchangeObserver* o = caller_->observer()) {
    o->onOutlierEvent(*exchange_, *exchange_->runtime->service(record_.serviceIndex).config, event);
  }
}

}  // namespace gateway
