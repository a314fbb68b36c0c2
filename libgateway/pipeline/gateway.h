// The gateway core: routes a request, applies the policy filters, picks an upstream
// instance and forwards through the injected transport with a deadline, then answers.
//   correlation -> route match -> filters (auth, rate limit, ...) -> concurrency cap ->
//   [per try: circuit breaker -> balance (skipping ejected instances) -> transport with the
//   try's deadline -> breaker / outlier / adaptive-limit accounting] -> retry (budget,
//   backoff) or answer: OPEN breaker 503, timeout 504, connect/protocol error 502.
// One Gateway per worker thread (or one in the simulator); it is not thread-safe itself,
// and shares policy state with its siblings through SharedState. Env and SharedState must
// outlive the Gateway, and the Gateway must outlive the requests it is handling.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "libgateway/core/env.h"
#include "libgateway/pipeline/exchange.h"
#include "libgateway/pipeline/shared_state.h"

namespace gateway {

class Gateway {
 public:
  Gateway(SharedState& shared, Env& env);
  ~Gateway();

  // Handles one request. `done` is called exactly once, possibly before handle() returns
  // (local answers) or later from a transport or timer callback.
  void handle(Request request, std::function<void(Response)> done);

  // Validated config only (see loadConfig*). Every Gateway on `shared` switches to it.
  void reload(std::shared_ptr<const Config> config) { shared_.install(std::move(config)); }

  void addFilter(std::unique_ptr<RequestFilter> filter) { filters_.push_back(std::move(filter)); }
  void setObserver(ExchangeObserver* observer) { observer_ = observer; }

  Env& env() { return env_; }
  std::uint64_t inFlight() const { return inFlight_; }

 private:
  friend struct Exchange;

  void refreshRuntime();
  void forward(const std::shared_ptr<Exchange>& ex);
  // Takes a concurrency slot, or queues the exchange (max_pending), or answers 503.
  bool acquireSlot(const std::shared_ptr<Exchange>& ex, ServiceRuntime& service);
  void wakeWaiters(ConcurrencyLimiter* limiter);
  void pollWaiters(ConcurrencyLimiter* limiter);
  void send(const std::shared_ptr<Exchange>& ex);
  void startAttempt(const std::shared_ptr<Exchange>& ex);
  std::optional<std::size_t> pickInstance(Exchange& ex, ServiceRuntime& service, TimePoint now);
  void onTransportResult(Exchange* raw, std::uint32_t attempt, UpstreamResult&& result);
  void onAttemptDeadline(Exchange* raw, std::uint32_t attempt);
  void linkLive(Exchange* ex);
  void unlinkLive(Exchange* ex);
  void endAttempt(Exchange& ex);
  void onTryResult(const std::shared_ptr<Exchange>& ex, UpstreamResult&& result);
  // Answers from an upstream result: the response, or 502 / 504 for the failure kinds.
  void respond(const std::shared_ptr<Exchange>& ex, UpstreamResult&& result);
  // When a try cannot start (breaker open, no instance): the previous try's failure, if any.
  void answerWithoutTry(const std::shared_ptr<Exchange>& ex, Response fallback);
  void noteTransition(Exchange& ex, BreakerTransition transition);
  void noteOutlier(Exchange& ex, OutlierEvent event);
  void finish(const std::shared_ptr<Exchange>& ex, Response&& response);
  std::size_t chooseBackend(const RouteRuntime& route);
  // Builds the request the try sends into `up` (a fresh Request).
  void upstreamRequest(Exchange& ex, Request& up);

  SharedState& shared_;
  Env& env_;
  std::shared_ptr<const GatewayRuntime> runtime_;
  std::uint64_t runtimeVersion_ = 0;
  std::vector<std::unique_ptr<RequestFilter>> filters_;
  ExchangeObserver* observer_ = nullptr;
  Exchange* live_ = nullptr;  // head of the live exchanges (intrusive list)
  std::uint64_t inFlight_ = 0;
  // Reused per pick (one thread): outlier exclusions, and those plus the instance a retry avoids.
  std::vector<std::uint8_t> excludedBuffer_;
  std::vector<std::uint8_t> retryExcluded_;
  std::string scratch_;                     // upstreamRequest's X-Forwarded-For chain
  std::vector<std::string_view> hopNames_;  // upstreamRequest's Connection-named fields
  std::vector<OutlierEvent> readmitted_;
  // Exchanges of this Gateway waiting for a concurrency slot (max_pending), per limiter.
  struct Waiting {
    std::deque<std::shared_ptr<Exchange>> queue;
    TimerId poll = 0;
  };
  std::map<ConcurrencyLimiter*, Waiting> waiting_;
};

// Hop-by-hop fields (RFC 9110 7.6.1), plus any named in Connection, which a proxy must not
// forward.
void removeHopByHopHeaders(Headers& headers);

}  // namespace gateway
