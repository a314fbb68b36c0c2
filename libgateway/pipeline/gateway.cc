#include "libgateway/pipeline/gateway.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "libgateway/core/block_pool.h"
#include "libgateway/http/path_normalize.h"
#include "libgateway/pipeline/body_collector.h"
#include "libgateway/pipeline/body_splice.h"
#include "libgateway/pipeline/correlation.h"

namespace gateway {

Gateway::Gateway(SharedState& shared, Env& env) : shared_(shared), env_(env), caller_(env) { refreshRuntime(); }

Gateway::~Gateway() {
  // Exchanges still alive (held by a transport, a timer or a paused stage's Resumer) forget
  // this Gateway: a Resumer then does nothing. Their calls detach in ~UpstreamCaller.
  while (Exchange* ex = live_.front()) {
    live_.remove(ex);
    ex->gateway_ = nullptr;
    ex->collector_.reset();
    std::shared_ptr<Exchange> hold = std::move(ex->hold_);  // may end the exchange here
  }
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
  ex->gateway_ = this;
  live_.pushFront(ex.get());
  ex->runtime = runtime_;
  ex->start = env_.clock.now();
  ex->unixStart = ex->start + shared_.unixTimeOffset();
  ++inFlight_;

  // Correlation.
  const Config& config = runtime_->config();
  const Headers& headers = ex->request.headers;
  std::string_view incoming = headers.get(config.observability.correlationHeader);
  if (incoming.empty()) incoming = headers.get("x-request-id");
  if (validCorrelationId(incoming)) ex->correlationId.assign(incoming);
  else ex->correlationId.generate(env_.random);

  // Path normalisation: one canonical path is routed, authorised, limited and forwarded.
  if (PathNormalization norm = normalizeTarget(ex->request.target); !norm.ok()) {
    ex->outcome = "bad_path";
    finish(*ex, errorResponse(400, "bad_path", norm.error));
    return;
  } else if (norm.changed) {
    ex->request.target = std::move(norm.value);
  }

  // Route match.
  ex->match = runtime_->routes().match(ex->request.method, ex->request.host(), ex->request.path(), ex->request.headers);
  const RouteMatch& match = ex->match;
  if (match.kind == RouteMatch::Kind::kNotFound) {
    ex->outcome = "no_route";
    finish(*ex, errorResponse(404, "no_route", fmt::format("no route for {} {}", ex->request.method, ex->request.path())));
    return;
  }
  if (match.kind == RouteMatch::Kind::kMethodNotAllowed) {
    ex->outcome = "method_not_allowed";
    Response r = errorResponse(405, "method_not_allowed",
                               fmt::format("{} is not allowed on {}; allowed: {}", ex->request.method,
                                           ex->request.path(), match.allow));
    r.headers.set("Allow", match.allow);
    finish(*ex, std::move(r));
    return;
  }
  ex->routed = true;
  ex->routeIndex = match.routeIndex;

  // Request stages, then the terminal, then the response stages.
  runStages(ex);
}

void Gateway::runStages(const std::shared_ptr<Exchange>& ex) {
  const std::uint32_t count = static_cast<std::uint32_t>(stages_.size());
  const std::uint64_t mask = standardMasks_ ? ex->runtime->route(ex->routeIndex).stageMask : ~std::uint64_t{0};
  const bool streamed = ex->request.stream != nullptr;  // collecting the body clears it
  for (std::uint32_t i = ex->stageCursor_; i < count; ++i) {
    if (!(mask >> i & 1)) continue;  // nothing to do on this route
    Stage& stage = *stages_[i];
    if (streamed) {
      // A stage that must see the whole request body gets it collected first.
      if (std::size_t limit = stage.requestBodyLimit(*ex); limit > 0) {
        // Within the largest limit of the stages still to run, so each gets what it allows.
        for (std::uint32_t j = i + 1; j < count; ++j) {
          if (mask >> j & 1) limit = std::max(limit, stages_[j]->requestBodyLimit(*ex));
        }
        ex->stageCursor_ = i;
        return collectRequestBody(ex, limit);
      }
    }
    ex->stagesEntered_ = i + 1;
    if (!stage.onRequestUsed()) continue;
    // A pause's Resumer goes on from the next stage, even one that acts before onRequest returns.
    ex->stageCursor_ = i + 1;
    const std::uint32_t token = ex->pauseToken_;
    if (auto local = stage.onRequest(*ex)) {
      ex->paused_ = false;  // an answer wins over a pause taken on the way
      ++ex->pauseToken_;
      respond(*ex, std::move(*local));
      return;
    }
    // Paused here: the Resumer carries on (it may already have resumed or answered).
    if (ex->pauseToken_ != token) return;
  }
  if (observer_) observer_->onAdmitted(*ex);
  forward(ex);
}

// The terminal of a proxied route: one upstream call.
void Gateway::forward(const std::shared_ptr<Exchange>& ex) {
  const RouteTable& routes = ex->runtime->routes();
  const CallTarget& target = ex->runtime->route(ex->routeIndex).target;
  if (target.backends.empty()) [[unlikely]] {
    // A terminal route (an aggregation) whose stage is not installed on this Gateway.
    ex->outcome = "no_upstream";
    return respond(*ex, errorResponse(500, "no_upstream",
                                      fmt::format("route \"{}\" has no upstream service of its own", ex->route()->name)));
  }
  if (routes.keepsPath(ex->match)) {
    // The path as normalised, and its query as it came.
    ex->call.start(caller_, *ex, target, nullptr, true, *this);
    return;
  }
  std::string path = routes.upstreamPath(ex->match, ex->request.path());
  if (const auto q = ex->request.query(); !q.empty() || ex->request.target.find('?') != std::string::npos) {
    path += '?';
    path += q;
  }
  ex->call.start(caller_, *ex, target, &path, true, *this);
}

void Gateway::onCallAnswer(UpstreamCall& call, Response&& response, std::string_view outcome) {
  Exchange& ex = call.owner();
  ex.outcome = outcome;
  respond(ex, std::move(response));
}

std::size_t Gateway::responseBodyLimit(const Exchange& ex, bool& required) const {
  // Only the stages whose onResponse will run (those masked off on the route do not).
  const std::uint64_t mask = standardMasks_ && ex.routed ? ex.runtime->route(ex.routeIndex).stageMask : ~std::uint64_t{0};
  std::size_t limit = 0;
  required = false;
  for (std::uint32_t i = 0; i < ex.stagesEntered_; ++i) {
    if (!(mask >> i & 1)) continue;
    if (const std::size_t own = stages_[i]->responseBodyLimit(ex); own > 0) {
      limit = std::max(limit, own);
      required = required || stages_[i]->responseBodyRequired(ex);
    }
  }
  return limit;
}

void Gateway::respond(Exchange& ex, Response&& response) {
  if (ex.finished_) return;
  if (response.stream && ex.stagesEntered_ > 0) {
    // A stage that rewrites the whole body gets it collected (within the largest limit) first.
    bool required = false;
    if (const std::size_t limit = responseBodyLimit(ex, required); limit > 0) {
      return collectResponseBody(ex.shared_from_this(), std::move(response), limit, required);
    }
  }
  runResponseStages(ex, std::move(response));
}

void Gateway::runResponseStages(Exchange& ex, Response&& response) {
  const std::uint64_t mask = standardMasks_ && ex.routed ? ex.runtime->route(ex.routeIndex).stageMask : ~std::uint64_t{0};
  for (std::uint32_t i = ex.stagesEntered_; i-- > 0;) {
    if ((mask >> i & 1) && stages_[i]->onResponseUsed()) stages_[i]->onResponse(ex, response);
  }
  finish(ex, std::move(response));
}

void Gateway::finish(Exchange& ex, Response&& response) {
  if (ex.finished_) return;
  ex.finished_ = true;
  ex.end = env_.clock.now();
  --inFlight_;
  response.headers.set(ex.runtime->config().observability.correlationHeader, ex.correlationId);
  if (observer_) observer_->onComplete(ex, response);
  auto done = std::move(ex.done);
  done(std::move(response));
}

void Gateway::collectBody(const std::shared_ptr<Exchange>& ex, std::shared_ptr<BodyStream> stream, std::size_t limit,
                          Collected then) {
  ex->hold_ = ex;  // nothing else holds the exchange while the body arrives
  Exchange* raw = ex.get();
  ex->collector_ = std::make_unique<BodyCollector>(
      env_, std::move(stream), limit, [raw, then = std::move(then)](BodyCollector::Result result, std::string body) {
        std::shared_ptr<Exchange> self = std::move(raw->hold_);
        std::unique_ptr<BodyCollector> collector = std::move(raw->collector_);  // ends with this call
        if (!raw->gateway_) return;
        if (result == BodyCollector::Result::kFailed) body = collector->error();
        std::shared_ptr<BodyStream> rest = result == BodyCollector::Result::kTooLarge ? collector->release() : nullptr;
        then(self, static_cast<int>(result), std::move(body), std::move(rest));
      });
  ex->collector_->start();
}

void Gateway::collectRequestBody(const std::shared_ptr<Exchange>& ex, std::size_t limit) {
  auto stream = std::move(ex->request.stream);
  collectBody(ex, std::move(stream), limit,
              [this, limit](const std::shared_ptr<Exchange>& self, int result, std::string body, std::shared_ptr<BodyStream>) {
    switch (static_cast<BodyCollector::Result>(result)) {
      case BodyCollector::Result::kComplete:
        self->request.body = std::move(body);
        return runStages(self);  // the same stage, with the body now whole
      case BodyCollector::Result::kTooLarge:
        self->outcome = "request_too_large";
        return respond(*self, errorResponse(413, "request_too_large",
                                           fmt::format("the request body exceeds the {} bytes this route buffers", limit)));
      case BodyCollector::Result::kFailed:
        self->outcome = "request_body_error";
        return respond(*self, errorResponse(400, "request_body_error", "the request body did not arrive whole: " + body));
    }
  });
}

void Gateway::collectResponseBody(const std::shared_ptr<Exchange>& ex, Response&& response, std::size_t limit,
                                  bool required) {
  auto stream = std::move(response.stream);
  auto head = std::make_shared<Response>(std::move(response));
  collectBody(ex, std::move(stream), limit,
              [this, head, limit, required](const std::shared_ptr<Exchange>& self, int result, std::string body,
                                            std::shared_ptr<BodyStream> rest) {
                switch (static_cast<BodyCollector::Result>(result)) {
                  case BodyCollector::Result::kComplete:
                    head->body = std::move(body);
                    return runResponseStages(*self, std::move(*head));
                  case BodyCollector::Result::kTooLarge:
                    if (!required && rest) {
                      // Every stage asking can do without it: the body goes on whole, streamed.
                      head->stream = spliceBody(std::move(body), std::move(rest));
                      return runResponseStages(*self, std::move(*head));
                    }
                    self->outcome = "response_too_large";
                    return runResponseStages(
                        *self, errorResponse(502, "response_too_large",
                                            fmt::format("the upstream's response body exceeds the {} bytes this route buffers", limit)));
                  case BodyCollector::Result::kFailed:
                    self->outcome = "upstream_body_error";
                    return runResponseStages(*self, errorResponse(502, "upstream_body_error",
                                                                 "the upstream's response body did not arrive whole: " + body));
                }
              });
}

}  // namespace gateway
