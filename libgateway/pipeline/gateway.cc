#include "libgateway/pipeline/gateway.h"

#include <algorithm>
#include <utility>
#include <array>

#include <fmt/format.h>

#include "libgateway/core/block_pool.h"
#include "libgateway/pipeline/correlation.h"
#include "libgateway/pipeline/rate_limit_filter.h"

namespace gateway {

namespace {

// The fixed hop-by-hop fields (RFC 9110 7.6.1), sorted by length first so most names are
// rejected without a comparison.
bool standardHopByHop(std::string_view name) {
  switch (name.size()) {
    case 2: return iequals(name, "te");
    case 7: return iequals(name, "trailer") || iequals(name, "upgrade");
    case 10: return iequals(name, "connection") || iequals(name, "keep-alive");
    case 16: return iequals(name, "proxy-connection");
    case 17: return iequals(name, "transfer-encoding");
    case 19: return iequals(name, "proxy-authorization");
    default: return false;
  }
}

// The field names listed in Connection values: hop-by-hop too. Views into `headers`, which
// stay valid while fields are only removed. Most messages have no Connection field.
void connectionNamed(const Headers& headers, std::vector<std::string_view>& named) {
  for (const Headers::Field f : headers) {
    if (f.name.size() != 10 || !iequals(f.name, "connection")) continue;
    std::string_view value = f.value;
    std::size_t start = 0;
    while (start <= value.size()) {
      auto comma = value.find(',', start);
      if (comma == std::string_view::npos) comma = value.size();
      std::string_view token = value.substr(start, comma - start);
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
      if (!token.empty()) named.push_back(token);
      start = comma + 1;
    }
  }
}

bool hopByHop(std::string_view name, const std::vector<std::string_view>& named) {
  if (standardHopByHop(name)) return true;
  for (auto n : named) {
    if (iequals(name, n)) return true;
  }
  return false;
}

}  // namespace

void removeHopByHopHeaders(Headers& headers) {
  std::vector<std::string_view> named;
  connectionNamed(headers, named);
  headers.removeIf([&](const Headers::Field& f) { return hopByHop(f.name, named); });
}

Gateway::Gateway(SharedState& shared, Env& env) : shared_(shared), env_(env) { refreshRuntime(); }

Gateway::~Gateway() {
  // Requests still waiting for a concurrency slot end with the Gateway: their timers go first,
  // so nothing refers to this Gateway once the queues release them.
  for (auto& [limiter, w] : waiting_) {
    if (w.poll != 0) env_.scheduler.cancel(w.poll);
  }
  // Every exchange still alive (held by a transport, a timer or a queue) is detached: its
  // timer is cancelled, it forgets this Gateway, and its self-reference is released, so a
  // transport that drops its callbacks without calling them does not leak it.
  while (live_) {
    Exchange* ex = live_;
    unlinkLive(ex);
    if (ex->timer != 0) env_.scheduler.cancel(std::exchange(ex->timer, 0));
    ex->gateway = nullptr;
    ex->transportHolds = 0;
    std::shared_ptr<Exchange> hold = std::move(ex->upstreamHold);
  }
}

void Gateway::linkLive(Exchange* ex) {
  ex->livePrev = nullptr;
  ex->liveNext = live_;
  if (live_) live_->livePrev = ex;
  live_ = ex;
}

void Gateway::unlinkLive(Exchange* ex) {
  if (ex->livePrev) ex->livePrev->liveNext = ex->liveNext;
  else if (live_ == ex) live_ = ex->liveNext;
  if (ex->liveNext) ex->liveNext->livePrev = ex->livePrev;
  ex->livePrev = ex->liveNext = nullptr;
}

void Gateway::refreshRuntime() {
  runtimeVersion_ = shared_.version();
  runtime_ = shared_.runtime();
}

void Gateway::handle(Request request, std::function<void(Response)> done) {
  if (shared_.version() != runtimeVersion_) refreshRuntime();
  // Exchanges are large and made once per request: their blocks are recycled per thread.
  auto ex = std::allocate_shared<Exchange>(PooledAllocator<Exchange>());
  ex->request = std::move(request);
  ex->done = std::move(done);
  ex->gateway = this;
  linkLive(ex.get());
  ex->runtime = runtime_;
  ex->start = env_.clock.now();
  ex->unixStart = ex->start + shared_.unixTimeOffset();
  ++inFlight_;

  const Config& config = runtime_->config();
  Headers& headers = ex->request.headers;
  const std::string& corrName = config.observability.correlationHeader;
  std::string_view incoming = headers.get(corrName);
  if (incoming.empty()) incoming = headers.get("x-request-id");
  if (validCorrelationId(incoming)) ex->correlationId.assign(incoming);
  else ex->correlationId.generate(env_.random);

  ex->match = runtime_->routes().match(ex->request.method, ex->request.host(), ex->request.path(), ex->request.headers);
  const RouteMatch& match = ex->match;
  if (match.kind == RouteMatch::Kind::kNotFound) {
    ex->outcome = "no_route";
    finish(ex, errorResponse(404, "no_route",
                             fmt::format("no route for {} {}", ex->request.method, ex->request.path())));
    return;
  }
  if (match.kind == RouteMatch::Kind::kMethodNotAllowed) {
    ex->outcome = "method_not_allowed";
    Response r = errorResponse(405, "method_not_allowed",
                               fmt::format("{} is not allowed on {}; allowed: {}", ex->request.method,
                                           ex->request.path(), match.allow));
    r.headers.set("Allow", match.allow);
    finish(ex, std::move(r));
    return;
  }
  ex->routed = true;
  ex->routeIndex = match.routeIndex;

  for (auto& filter : filters_) {
    if (auto local = filter->onRequest(*ex)) {
      finish(ex, std::move(*local));
      return;
    }
  }
  if (observer_) observer_->onAdmitted(*ex);
  if (ex->limitDelay > 0) {
    // A queueing limiter (leaky bucket) admitted the request for later: hold it, then forward.
    env_.scheduler.schedule(ex->start + ex->limitDelay, [this, ex] { forward(ex); });
    return;
  }
  forward(ex);
}

std::size_t Gateway::chooseBackend(const RouteRuntime& route) {
  if (route.backends.size() == 1) return route.backends[0];
  std::uint64_t ticket = env_.random.uniform(route.totalWeight);
  for (std::size_t i = 0; i < route.backends.size(); ++i) {
    if (ticket < route.weights[i]) return route.backends[i];
    ticket -= route.weights[i];
  }
  return route.backends.back();
}

void Gateway::upstreamRequest(Exchange& ex, Request& up) {
  up.method = ex.request.method;
  const RouteTable& routes = ex.runtime->routes();
  if (routes.keepsPath(ex.match)) {
    up.target = ex.request.target;  // the path as it came, and its query
  } else {
    up.target = routes.upstreamPath(ex.match, ex.request.path());
    if (const auto q = ex.request.query(); !q.empty() || ex.request.target.find('?') != std::string::npos) {
      up.target += '?';
      up.target += q;
    }
  }
  // One pass over the client's fields: hop-by-hop ones dropped, and those the gateway sets
  // (forwarding, correlation, trace context) left for after the loop.
  const Headers& in = ex.request.headers;
  const std::string& correlationName = ex.runtime->config().observability.correlationHeader;
  const std::string_view ip = ex.request.clientIp();
  std::string& forwardedFor = scratch_;
  forwardedFor.clear();
  hopNames_.clear();
  connectionNamed(in, hopNames_);
  bool hasProto = false;
  // Room for what the gateway adds: forwarding (with an X-Forwarded-For chain), correlation
  // and traceparent (about 170 bytes), and a per-try Host.
  up.headers.reserve(in.size() + 5, in.textBytes() + 240);
  for (const Headers::Field f : in) {
    if (hopByHop(f.name, hopNames_)) continue;
    if (f.name.size() == 15 && iequals(f.name, "x-forwarded-for")) {
      // Several X-Forwarded-For fields are one comma-separated list (RFC 9110 5.3): keep them all.
      if (!ip.empty() && !f.value.empty()) forwardedFor.append(f.value).append(", ");
      else if (ip.empty()) up.headers.add(f.name, f.value);
      continue;
    }
    if (iequals(f.name, correlationName) || (f.name.size() == 11 && iequals(f.name, "traceparent"))) continue;
    if (f.name.size() == 17 && iequals(f.name, "x-forwarded-proto")) hasProto = true;
    up.headers.add(f.name, f.value);
  }
  if (!ip.empty()) {
    forwardedFor.append(ip);
    up.headers.add("X-Forwarded-For", forwardedFor);
  }
  if (!hasProto) up.headers.add("X-Forwarded-Proto", "http");
  up.headers.add(correlationName, ex.correlationId);
  up.headers.add("traceparent", ex.traceParent.str());
  // The upstream Host (libgateway/README.md, "Upstream Host"): a fixed rewrite is set once;
  // the instance's own address is set per try (startAttempt), as retries change instance.
  if (const RouteConfig& rc = ex.runtime->config().routes[ex.routeIndex]; rc.hostRewrite) {
    up.headers.set("Host", *rc.hostRewrite);
  }
  // The body moves: nothing after forwarding reads it (the client's fields stay for logs and
  // hash keys).
  up.body = std::move(ex.request.body);
  up.clientAddress = ex.request.clientAddress;
}

Exchange::~Exchange() {
  if (pendingSlot) runtime->service(serviceIndex).concurrency->removePending();
  if (!gateway) return;
  gateway->unlinkLive(this);
  if (timer != 0) gateway->env_.scheduler.cancel(timer);
  if (attemptOpen) {
    // Dropped mid-try (cancelled): give back what the try held.
    ServiceRuntime& service = runtime->service(serviceIndex);
    service.inFlight->decrement(instanceIndex);
    if (service.breaker) service.breaker->abandon(breakerPermit);
  }
}

void Gateway::forward(const std::shared_ptr<Exchange>& ex) {
  const RouteRuntime& route = ex->runtime->route(ex->routeIndex);
  const std::size_t serviceIndex = chooseBackend(route);
  ServiceRuntime& service = ex->runtime->service(serviceIndex);
  ex->serviceIndex = serviceIndex;
  const RouteConfig& rc = ex->runtime->config().routes[ex->routeIndex];
  ex->deadline = env_.clock.now() + rc.timeout.value_or(service.config->timeout);
  std::optional<TraceParent> parent = parseTraceParent(ex->request.headers.get("traceparent"));
  ex->traceParent = childTraceParent(parent, env_.random);
  ex->budgetRequest = RetryBudget::RequestGuard(service.retryBudget);
  if (!acquireSlot(ex, service)) return;
  send(ex);
}

bool Gateway::acquireSlot(const std::shared_ptr<Exchange>& ex, ServiceRuntime& service) {
  ConcurrencyLimiter* limiter = service.concurrency.get();
  if (!limiter) return true;
  Waiting* waiting = nullptr;
  if (auto it = waiting_.find(limiter); it != waiting_.end() && !it->second.queue.empty()) waiting = &it->second;
  // Requests already waiting go first.
  if (!waiting && limiter->tryAcquire()) {
    ex->concurrencyPermit = ConcurrencyPermit(service.concurrency);
    return true;
  }
  const std::string& name = service.config->name;
  if (limiter->config().maxPending > 0 && limiter->tryAddPending()) {
    ex->waitedForSlot = true;
    ex->pendingSlot = true;
    Waiting& w = waiting_[limiter];
    w.queue.push_back(ex);
    // Until the route's deadline; then it is answered without a try.
    ex->timer = env_.scheduler.schedule(ex->deadline, [ex] {
      Gateway* g = ex->gateway;
      ex->timer = 0;
      ServiceRuntime& svc = ex->runtime->service(ex->serviceIndex);
      auto& queue = g->waiting_[svc.concurrency.get()].queue;
      queue.erase(std::remove(queue.begin(), queue.end(), ex), queue.end());
      svc.concurrency->removePending();
      ex->pendingSlot = false;
      ex->overloaded = true;
      ex->outcome = "pending_timeout";
      g->finish(ex, errorResponse(504, "pending_timeout",
                                  fmt::format("no upstream slot of service \"{}\" freed before the route's deadline",
                                              svc.config->name)));
    });
    // A slot freed by another worker is not announced here: look again shortly.
    if (w.poll == 0) w.poll = env_.scheduler.schedule(env_.clock.now() + kMillisecond, [this, limiter] { pollWaiters(limiter); });
    return false;
  }
  ex->overloaded = true;
  ex->outcome = "overloaded";
  finish(ex, errorResponse(503, "overloaded",
                           fmt::format("service \"{}\" has too many requests in flight (limit {}{})", name,
                                       limiter->limit(),
                                       limiter->config().maxPending > 0 ? ", and its queue is full" : "")));
  return false;
}

void Gateway::wakeWaiters(ConcurrencyLimiter* limiter) {
  auto it = waiting_.find(limiter);
  if (it == waiting_.end()) return;
  auto& queue = it->second.queue;
  while (!queue.empty() && limiter->tryAcquire()) {
    std::shared_ptr<Exchange> ex = std::move(queue.front());
    queue.pop_front();
    limiter->removePending();
    ex->pendingSlot = false;
    if (ex->timer != 0) env_.scheduler.cancel(ex->timer);
    ex->timer = 0;
    ex->concurrencyPermit = ConcurrencyPermit(ex->runtime->service(ex->serviceIndex).concurrency);
    send(ex);
  }
}

void Gateway::pollWaiters(ConcurrencyLimiter* limiter) {
  Waiting& w = waiting_[limiter];
  w.poll = 0;
  wakeWaiters(limiter);
  if (!w.queue.empty()) w.poll = env_.scheduler.schedule(env_.clock.now() + kMillisecond, [this, limiter] { pollWaiters(limiter); });
}

void Gateway::send(const std::shared_ptr<Exchange>& ex) {
  upstreamRequest(*ex, ex->upstream.emplace());
  startAttempt(ex);
}

std::optional<std::size_t> Gateway::pickInstance(Exchange& ex, ServiceRuntime& service, TimePoint now) {
  PickContext pick;
  const auto& lb = service.config->loadBalancer;
  if (lb.algorithm == LbAlgorithm::kRingHash || lb.algorithm == LbAlgorithm::kMaglev) {
    // Views into the exchange's requests, unchanged until the pick returns.
    const Headers& headers = ex.upstream ? ex.upstream->headers : ex.request.headers;
    switch (lb.hashOn.source) {
      case HashKeyConfig::Source::kClientAddress: pick.hashKey = ex.request.clientIp(); break;
      case HashKeyConfig::Source::kHeader: pick.hashKey = headers.get(lb.hashOn.header); break;
      case HashKeyConfig::Source::kPath: pick.hashKey = ex.request.path(); break;
    }
  }
  std::span<const std::uint8_t> ejected;
  if (service.outliers) {
    readmitted_.clear();
    ejected = service.outliers->excluded(now, excludedBuffer_, &readmitted_);
    for (auto& e : readmitted_) noteOutlier(ex, std::move(e));
  }
  if (ex.attempts > 0 && service.config->instances.size() > 1) {
    // A retry goes to another instance when there is one (Envoy's previous_hosts predicate).
    retryExcluded_.assign(service.config->instances.size(), 0);
    for (std::size_t i = 0; i < ejected.size(); ++i) retryExcluded_[i] = ejected[i];
    retryExcluded_[ex.instanceIndex] = 1;
    pick.excluded = retryExcluded_;
    if (auto instance = service.balancer->pick(pick, env_.random)) return instance;
  }
  pick.excluded = ejected;
  return service.balancer->pick(pick, env_.random);
}

void Gateway::startAttempt(const std::shared_ptr<Exchange>& ex) {
  if (ex->finished) return;
  ServiceRuntime& service = ex->runtime->service(ex->serviceIndex);
  const TimePoint now = env_.clock.now();
  if (service.breaker) {
    std::optional<BreakerTransition> t;
    ex->breakerPermit = service.breaker->tryAcquire(now, &t);
    if (t) noteTransition(*ex, std::move(*t));
    if (!ex->breakerPermit.admitted) {
      const Duration wait = ex->breakerPermit.retryAfter;
      Response r = errorResponse(503, "circuit_open",
                                 fmt::format("service \"{}\" is failing: its circuit breaker is {}", service.config->name,
                                             toString(service.breaker->state())));
      // Rounded up: a client that waits this long finds the breaker ready for a trial call.
      r.headers.set("Retry-After", std::to_string(std::max<std::int64_t>(1, ceilSeconds(wait))));
      if (ex->attempts == 0) {
        ex->circuitOpen = true;
        ex->outcome = "circuit_open";
      }
      answerWithoutTry(ex, std::move(r));
      return;
    }
  }
  const auto instance = pickInstance(*ex, service, now);
  if (!instance) {
    if (service.breaker) service.breaker->abandon(ex->breakerPermit);
    ex->breakerPermit = {};
    if (ex->attempts == 0) ex->outcome = "no_healthy_upstream";
    answerWithoutTry(ex, errorResponse(503, "no_healthy_upstream",
                                       fmt::format("service \"{}\" has no available instance", service.config->name)));
    return;
  }
  ex->forwarded = true;
  ex->instanceIndex = *instance;
  const std::uint32_t attempt = ++ex->attempts;
  const RouteRuntime& route = ex->runtime->route(ex->routeIndex);
  const bool mayRetry = route.retry && attempt <= route.retry->config().maxRetries;
  const Duration perTry = route.retry && route.retry->config().perTryTimeout ? *route.retry->config().perTryTimeout : kNever;
  ex->attemptDeadline = perTry == kNever ? ex->deadline : std::min(ex->deadline, now + perTry);
  ex->upstreamStart = now;
  ex->attemptOpen = true;
  service.inFlight->increment(*instance);
  // The timer guarantees the deadline even if a transport is late to report it. It holds a
  // plain pointer: until the transport answers, its callback keeps the exchange alive, and
  // ~Exchange cancels it. Small captures stay inside std::function's buffer. A transport that
  // answers at the deadline itself needs no such timer.
  Exchange* raw = ex.get();
  if (!env_.transport.timesOutAtDeadline()) {
    ex->timer = env_.scheduler.schedule(ex->attemptDeadline, [raw, attempt] { raw->gateway->onAttemptDeadline(raw, attempt); });
  }
  const InstanceConfig& ic = service.config->instances[*instance];
  Endpoint endpoint{service.config->name, ic.id, ic.address};
  // While the transport has the request, the exchange owns itself (released with the last
  // callback), so the callback can hold a plain pointer.
  ++ex->transportHolds;
  if (!ex->upstreamHold) ex->upstreamHold = ex;
  auto onResult = [raw, attempt](UpstreamResult result) { raw->gateway->onTransportResult(raw, attempt, std::move(result)); };
  const RouteConfig& rc = ex->runtime->config().routes[ex->routeIndex];
  const bool instanceHost = !rc.preserveHost && !rc.hostRewrite;
  if (mayRetry) {
    // A route that may retry keeps its request as built (a retry's hash key and Host come
    // from it, not from this try's instance), and sends a copy.
    Request copy(*ex->upstream);
    if (instanceHost) copy.headers.set("Host", ic.address);
    env_.transport.send(endpoint, std::move(copy), ex->attemptDeadline, std::move(onResult));
  } else {
    if (instanceHost) ex->upstream->headers.set("Host", ic.address);
    env_.transport.send(endpoint, std::move(*ex->upstream), ex->attemptDeadline, std::move(onResult));
  }
}

void Gateway::onTransportResult(Exchange* raw, std::uint32_t attempt, UpstreamResult&& result) {
  std::shared_ptr<Exchange> ex = --raw->transportHolds == 0 ? std::move(raw->upstreamHold) : raw->shared_from_this();
  // A try that already timed out (or an exchange already answered) reports too late.
  if (ex->finished || attempt != ex->attempts || !ex->attemptOpen) return;
  endAttempt(*ex);
  onTryResult(ex, std::move(result));
}

void Gateway::onAttemptDeadline(Exchange* raw, std::uint32_t attempt) {
  raw->timer = 0;
  if (raw->finished || attempt != raw->attempts || !raw->attemptOpen) return;
  std::shared_ptr<Exchange> ex = raw->shared_from_this();  // alive: the transport still holds it
  // The request no longer counts against the instance; the late result will not either.
  endAttempt(*ex);
  UpstreamResult timeout;
  timeout.outcome = UpstreamOutcome::kTimeout;
  onTryResult(ex, std::move(timeout));
}

void Gateway::endAttempt(Exchange& ex) {
  ex.attemptOpen = false;
  ex.runtime->service(ex.serviceIndex).inFlight->decrement(ex.instanceIndex);
  if (ex.timer != 0) {
    env_.scheduler.cancel(ex.timer);
    ex.timer = 0;
  }
  ex.upstreamEnd = env_.clock.now();
  ex.budgetRetry.reset();  // the retry this try was is over
}

void Gateway::onTryResult(const std::shared_ptr<Exchange>& ex, UpstreamResult&& result) {
  ServiceRuntime& service = ex->runtime->service(ex->serviceIndex);
  const TimePoint now = env_.clock.now();
  ex->upstreamOutcome = result.outcome;
  const bool responded = result.outcome == UpstreamOutcome::kResponse;
  const int status = responded ? result.response.status : 0;
  const Duration took = now - ex->upstreamStart;
  if (service.breaker) {
    const bool failure = !responded || service.breaker->config().failureStatuses.contains(status);
    std::optional<BreakerTransition> t;
    service.breaker->onResult(ex->breakerPermit, failure, took, now, &t);
    ex->breakerPermit = {};
    if (t) noteTransition(*ex, std::move(*t));
  }
  if (service.outliers) {
    if (auto e = service.outliers->onResult(ex->instanceIndex, callHealth(responded, status), now)) {
      ex->ejection = *e;
      noteOutlier(*ex, std::move(*e));
    }
  }
  if (service.concurrency) service.concurrency->onSample(took, result.outcome == UpstreamOutcome::kTimeout);

  const RouteRuntime& route = ex->runtime->route(ex->routeIndex);
  if (route.retry && ex->attempts <= route.retry->config().maxRetries && route.retry->retriable(result.outcome, status) &&
      route.retry->allowsMethod(ex->request.method)) {
    const Duration wait = route.retry->backoff(ex->attempts - 1, env_.random);
    if (now + wait < ex->deadline) {
      RetryBudget::RetryGuard slot = RetryBudget::tryRetry(service.retryBudget);
      if (slot || !service.retryBudget) {
        ex->budgetRetry = std::move(slot);
        ex->lastFailure = std::move(result);
        if (wait <= 0) {
          startAttempt(ex);
        } else {
          env_.scheduler.schedule(now + wait, [ex] { ex->gateway->startAttempt(ex); });
        }
        return;
      }
      ex->retryBudgetExhausted = true;
    }
  }
  respond(ex, std::move(result));
}

void Gateway::respond(const std::shared_ptr<Exchange>& ex, UpstreamResult&& result) {
  ex->upstreamOutcome = result.outcome;
  switch (result.outcome) {
    case UpstreamOutcome::kResponse: {
      ex->outcome = "upstream";
      removeHopByHopHeaders(result.response.headers);
      finish(ex, std::move(result.response));
      return;
    }
    case UpstreamOutcome::kTimeout:
      ex->outcome = "upstream_timeout";
      finish(ex, errorResponse(504, "upstream_timeout", "the upstream did not answer within the route's deadline"));
      return;
    case UpstreamOutcome::kConnectError:
    case UpstreamOutcome::kProtocolError:
    case UpstreamOutcome::kReset: {
      ex->outcome = fmt::format("upstream_{}", toString(result.outcome));
      std::string message = fmt::format("upstream {} failed: {}", ex->runtime->service(ex->serviceIndex).config->name,
                                        toString(result.outcome));
      if (!result.detail.empty()) message += " (" + result.detail + ")";
      finish(ex, errorResponse(502, ex->outcome, message));
      return;
    }
  }
}

void Gateway::answerWithoutTry(const std::shared_ptr<Exchange>& ex, Response fallback) {
  if (ex->lastFailure) {
    // A retry that could not start: the client gets what the last try got.
    UpstreamResult last = std::move(*ex->lastFailure);
    ex->lastFailure.reset();
    respond(ex, std::move(last));
    return;
  }
  finish(ex, std::move(fallback));
}

void Gateway::noteTransition(Exchange& ex, BreakerTransition transition) {
  ex.breakerTransition = std::move(transition);
  if (observer_) observer_->onBreakerTransition(ex, *ex.breakerTransition);
}

void Gateway::noteOutlier(Exchange& ex, OutlierEvent event) {
  if (observer_) observer_->onOutlierEvent(ex, event);
}

void Gateway::finish(const std::shared_ptr<Exchange>& ex, Response&& response) {
  if (ex->finished) return;
  ex->finished = true;
  ex->end = env_.clock.now();
  --inFlight_;
  if (ex->onFinish) {
    auto hook = std::move(ex->onFinish);
    hook();
  }
  // Policy holds end with the answer, however it came about.
  ex->upstream.reset();
  ex->lastFailure.reset();
  ex->budgetRetry.reset();
  ex->budgetRequest.reset();
  if (ConcurrencyLimiter* limiter = ex->concurrencyPermit.limiter()) {
    ex->concurrencyPermit.reset();
    wakeWaiters(limiter);
  }
  if (response.headers.empty()) response.headers = std::move(ex->responseHeaders);
  else response.headers.setAll(ex->responseHeaders);
  ex->responseHeaders.clear();
  response.headers.set(ex->runtime->config().observability.correlationHeader, ex->correlationId);
  if (observer_) observer_->onComplete(*ex, response);
  auto done = std::move(ex->done);
  done(std::move(response));
}

}  // namespace gateway
