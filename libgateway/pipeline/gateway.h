// The gateway core. One request reads as a straight line:
//   correlation -> route match (404 / 405) -> request stages (identity, rate limits, ...) ->
//   terminal (the route's upstream call) -> response stages in reverse -> answer -> observers
// A stage may answer locally or pause the exchange (stage.h); the terminal runs an
// UpstreamCall (upstream_call.h), which maps upstream failures to 502 / 503 / 504.
// One Gateway per worker thread (or one in the simulator); it is not thread-safe itself, and
// shares policy state with its siblings through SharedState. Env and SharedState must outlive
// the Gateway; exchanges still held elsewhere when it goes are detached from it.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "libgateway/core/env.h"
#include "libgateway/pipeline/exchange.h"
#include "libgateway/pipeline/shared_state.h"
#include "libgateway/pipeline/stage.h"
#include "libgateway/pipeline/upstream_caller.h"

namespace gateway {

class Gateway final : private CallListener {
 public:
  Gateway(SharedState& shared, Env& env);
  ~Gateway() override;

  // Handles one request. `done` is called exactly once, possibly before handle() returns
  // (local answers) or later from a transport or timer callback.
  void handle(Request request, std::function<void(Response)> done);

  // Validated config only (see loadConfig*). Every Gateway on `shared` switches to it.
  void reload(std::shared_ptr<const Config> config) { shared_.install(std::move(config)); }

  // Appends a stage at the end of the request order (stage_list.h installs the standard ones).
  void addStage(std::unique_ptr<Stage> stage) {
    stages_.push_back(std::move(stage));
    standardMasks_ = false;
  }
  // The stages are exactly the standard list: skip those a route does not use
  // (RouteRuntime::stageMask).
  void useStandardStageMasks() { standardMasks_ = true; }
  void setObserver(ExchangeObserver* observer) {
    observer_ = observer;
    caller_.setObserver(observer);
  }

  Env& env() { return env_; }
  std::uint64_t inFlight() const { return inFlight_; }

 private:
  friend struct Exchange;
  friend class Resumer;

  void refreshRuntime();
  // Runs the request stages from exchange->stageCursor_ on; then the terminal.
  void runStages(const std::shared_ptr<Exchange>& ex);
  // Collects a streamed body a stage must see whole, then goes on with `then`.
  // `rest`: on kTooLarge, the stream still holding what was not read.
  using Collected = std::function<void(const std::shared_ptr<Exchange>&, int result, std::string body,
                                       std::shared_ptr<BodyStream> rest)>;
  void collectBody(const std::shared_ptr<Exchange>& ex, std::shared_ptr<BodyStream> stream, std::size_t limit,
                   Collected then);
  void collectRequestBody(const std::shared_ptr<Exchange>& ex, std::size_t limit);
  void collectResponseBody(const std::shared_ptr<Exchange>& ex, Response&& response, std::size_t limit, bool required);
  void forward(const std::shared_ptr<Exchange>& ex);
  void onCallAnswer(UpstreamCall& call, Response&& response, std::string_view outcome) override;
  // The response passes back through the stages that saw the request, then goes to the client.
  void respond(Exchange& ex, Response&& response);
  void runResponseStages(Exchange& ex, Response&& response);
  void finish(Exchange& ex, Response&& response);
  // The largest response body the stages still to run ask to see whole, and whether one of
  // them cannot do without it.
  std::size_t responseBodyLimit(const Exchange& ex, bool& required) const;

  SharedState& shared_;
  Env& env_;
  std::shared_ptr<const GatewayRuntime> runtime_;
  std::uint64_t runtimeVersion_ = 0;
  std::vector<std::unique_ptr<Stage>> stages_;
  bool standardMasks_ = false;
  ExchangeObserver* observer_ = nullptr;
  UpstreamCaller caller_;
  IntrusiveList<Exchange, &Exchange::liveHook_> live_;  // every exchange not yet destroyed
  std::uint64_t inFlight_ = 0;
};

}  // namespace gateway
