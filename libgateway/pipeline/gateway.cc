#include "libgateway/pipeline/gateway.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "libgateway/pipeline/correlation.h"

namespace gateway {

void removeHopByHopHeaders(Headers& headers) {
  // Fields listed in Connection are hop-by-hop too (RFC 9110 7.6.1).
  std::vector<std::string> named;
  for (auto value : headers.all("connection")) {
    std::size_t start = 0;
    while (start <= value.size()) {
      auto comma = value.find(',', start);
      if (comma == std::string_view::npos) comma = value.size();
      std::string_view token = value.substr(start, comma - start);
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
      if (!token.empty()) named.emplace_back(token);
      start = comma + 1;
    }
  }
  static constexpr std::array<std::string_view, 8> kHopByHop = {
      "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
      "proxy-authorization"};
  for (auto h : kHopByHop) headers.remove(h);
  for (const auto& h : named) headers.remove(h);
}

namespace {
// The client's IP without the port: "1.2.3.4:5000" -> "1.2.3.4", "[::1]:5000" -> "::1";
// a bare IPv6 address ("::1") is kept whole.
std::string_view clientIp(std::string_view client) {
  if (client.empty()) return client;
  if (client.front() == '[') return client.substr(1, client.find(']') - 1);
  if (std::count(client.begin(), client.end(), ':') == 1) return client.substr(0, client.find(':'));
  return client;
}
}  // namespace

Gateway::Gateway(SharedState& shared, Env& env) : shared_(shared), env_(env) { refreshRuntime(); }

Gateway::~Gateway() = default;

void Gateway::refreshRuntime() {
  runtimeVersion_ = shared_.version();
  runtime_ = shared_.runtime();
}

void Gateway::handle(Request request, std::function<void(Response)> done) {
  if (shared_.version() != runtimeVersion_) refreshRuntime();
  auto ex = std::make_shared<Exchange>();
  ex->request = std::move(request);
  ex->done = std::move(done);
  ex->runtime = runtime_;
  ex->start = env_.clock.now();
  ++inFlight_;

  const Config& config = runtime_->config();
  Headers& headers = ex->request.headers;
  const std::string& corrName = config.observability.correlationHeader;
  std::string_view incoming = headers.get(corrName);
  if (incoming.empty()) incoming = headers.get("x-request-id");
  ex->correlationId = validCorrelationId(incoming) ? std::string(incoming) : newCorrelationId(env_.random);

  const RouteMatch match =
      runtime_->routes().match(ex->request.method, ex->request.host(), ex->request.path(), ex->request.headers);
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
  ex->match = match;

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

Request Gateway::upstreamRequest(Exchange& ex) const {
  Request up;
  up.method = ex.request.method;
  up.target = ex.runtime->routes().upstreamPath(ex.match, ex.request.path());
  if (const auto q = ex.request.query(); !q.empty() || ex.request.target.find('?') != std::string::npos) {
    up.target += '?';
    up.target += q;
  }
  // The client's headers and body move to the upstream request: nothing after forwarding
  // reads them (method, target and client address stay for logs and traces).
  up.headers = std::move(ex.request.headers);
  ex.request.headers = Headers();
  removeHopByHopHeaders(up.headers);
  if (const std::string_view ip = clientIp(ex.request.clientAddress); !ip.empty()) {
    // Several X-Forwarded-For fields are one comma-separated list (RFC 9110 5.3): keep them all.
    std::string chain;
    for (auto prior : up.headers.all("x-forwarded-for")) {
      if (prior.empty()) continue;
      chain += prior;
      chain += ", ";
    }
    chain += ip;
    up.headers.set("X-Forwarded-For", chain);
  }
  if (!up.headers.has("x-forwarded-proto")) up.headers.set("X-Forwarded-Proto", "http");
  up.headers.set(ex.runtime->config().observability.correlationHeader, ex.correlationId);
  up.headers.set("traceparent", ex.traceParent);
  up.body = std::move(ex.request.body);
  up.clientAddress = ex.request.clientAddress;
  return up;
}

void Gateway::forward(const std::shared_ptr<Exchange>& ex) {
  const RouteRuntime& route = ex->runtime->route(ex->routeIndex);
  const std::size_t serviceIndex = chooseBackend(route);
  ServiceRuntime& service = ex->runtime->service(serviceIndex);
  ex->serviceIndex = serviceIndex;

  PickContext pick;
  std::string hashKey;
  const auto& lb = service.config->loadBalancer;
  if (lb.algorithm == LbAlgorithm::kRingHash || lb.algorithm == LbAlgorithm::kMaglev) {
    switch (lb.hashOn.source) {
      case HashKeyConfig::Source::kClientAddress: hashKey = std::string(clientIp(ex->request.clientAddress)); break;
      case HashKeyConfig::Source::kHeader: hashKey = std::string(ex->request.headers.get(lb.hashOn.header)); break;
      case HashKeyConfig::Source::kPath: hashKey = std::string(ex->request.path()); break;
    }
    pick.hashKey = hashKey;
  }
  const auto instance = service.balancer->pick(pick, env_.random);
  if (!instance) {
    ex->outcome = "no_healthy_upstream";
    finish(ex, errorResponse(503, "no_healthy_upstream",
                             fmt::format("service \"{}\" has no available instance", service.config->name)));
    return;
  }
  ex->forwarded = true;
  ex->instanceIndex = *instance;
  const InstanceConfig& ic = service.config->instances[*instance];

  const RouteConfig& rc = ex->runtime->config().routes[ex->routeIndex];
  const Duration timeout = rc.timeout.value_or(service.config->timeout);
  const TimePoint now = env_.clock.now();
  const TimePoint deadline = now + timeout;
  std::optional<TraceParent> parent = parseTraceParent(ex->request.headers.get("traceparent"));
  ex->traceParent = childTraceParent(parent, env_.random).str();

  ex->upstreamStart = now;
  service.inFlight->increment(*instance);
  // The timer guarantees the deadline even if a transport is late to report it. It holds a
  // plain pointer: until the transport answers (and cancels it), the transport's callback
  // keeps the exchange alive. (Small captures also stay inside std::function's buffer.)
  Exchange* raw = ex.get();
  ex->deadlineTimer = env_.scheduler.schedule(deadline, [this, raw] { onDeadline(raw); });
  Endpoint endpoint{service.config->name, ic.id, ic.address};
  // While the transport has the request, the exchange owns itself (released when the result
  // arrives), so the callback can hold a plain pointer and fit std::function's buffer.
  ex->upstreamHold = ex;
  env_.transport.send(endpoint, upstreamRequest(*ex), deadline, [this, raw](UpstreamResult result) {
    std::shared_ptr<Exchange> held = std::move(raw->upstreamHold);
    onUpstreamResult(held, std::move(result));
  });
}

void Gateway::onDeadline(Exchange* ex) {
  ex->deadlineTimer = 0;
  if (ex->finished) return;
  // The request no longer counts against the instance; the late result will not either.
  ex->runtime->service(ex->serviceIndex).inFlight->decrement(ex->instanceIndex);
  ex->upstreamEnd = env_.clock.now();
  ex->upstreamOutcome = UpstreamOutcome::kTimeout;
  ex->outcome = "upstream_timeout";
  finish(ex->shared_from_this(), errorResponse(504, "upstream_timeout", "the upstream did not answer within the route's deadline"));
}

void Gateway::onUpstreamResult(const std::shared_ptr<Exchange>& ex, UpstreamResult result) {
  if (ex->finished) return;  // the deadline already answered 504 and released the instance
  ex->runtime->service(ex->serviceIndex).inFlight->decrement(ex->instanceIndex);
  if (ex->deadlineTimer != 0) {
    env_.scheduler.cancel(ex->deadlineTimer);
    ex->deadlineTimer = 0;
  }
  ex->upstreamEnd = env_.clock.now();
  ex->upstreamOutcome = result.outcome;
  switch (result.outcome) {
    case UpstreamOutcome::kResponse: {
      ex->outcome = "upstream";
      Response r = std::move(result.response);
      removeHopByHopHeaders(r.headers);
      finish(ex, std::move(r));
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

void Gateway::finish(const std::shared_ptr<Exchange>& ex, Response response) {
  if (ex->finished) return;
  ex->finished = true;
  ex->end = env_.clock.now();
  --inFlight_;
  if (ex->onFinish) {
    auto hook = std::move(ex->onFinish);
    hook();
  }
  for (auto& f : ex->responseHeaders.take()) response.headers.set(std::move(f));
  response.headers.set(ex->runtime->config().observability.correlationHeader, ex->correlationId);
  if (observer_) observer_->onComplete(*ex, response);
  auto done = std::move(ex->done);
  done(std::move(response));
}

}  // namespace gateway
