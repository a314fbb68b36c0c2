// The gateway core: routes a request, applies the policy filters, picks an upstream
// instance and forwards through the injected transport with a deadline, then answers.
//   correlation -> route match -> filters (auth, rate limit, ...) -> balance -> transport
// One Gateway per worker thread (or one in the simulator); it is not thread-safe itself,
// and shares policy state with its siblings through SharedState. Env and SharedState must
// outlive the Gateway, and the Gateway must outlive the requests it is handling.
#pragma once

#include <functional>
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
  void refreshRuntime();
  void forward(const std::shared_ptr<Exchange>& ex);
  void onUpstreamResult(const std::shared_ptr<Exchange>& ex, UpstreamResult result);
  void finish(const std::shared_ptr<Exchange>& ex, Response response);
  std::size_t chooseBackend(const RouteRuntime& route);
  Request upstreamRequest(Exchange& ex) const;
  void onDeadline(Exchange* ex);

  SharedState& shared_;
  Env& env_;
  std::shared_ptr<const GatewayRuntime> runtime_;
  std::uint64_t runtimeVersion_ = 0;
  std::vector<std::unique_ptr<RequestFilter>> filters_;
  ExchangeObserver* observer_ = nullptr;
  std::uint64_t inFlight_ = 0;
};

// Hop-by-hop fields (RFC 9110 7.6.1), plus any named in Connection, which a proxy must not
// forward.
void removeHopByHopHeaders(Headers& headers);

}  // namespace gateway
