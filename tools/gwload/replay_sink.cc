#include "tools/gwload/replay_sink.h"

namespace gwload {

namespace {

gateway::net::UpstreamOptions replayConnectionOptions(std::size_t maxConnections) {
  gateway::net::UpstreamOptions o;
  o.maxConnectionsPerInstance = maxConnections;
  o.maxIdlePerInstance = maxConnections;
  o.maxWaitingPerInstance = 1'000'000;  // the open-loop clients wait for a connection, not fail
  o.streamResponsesAbove = o.maxResponseBodyBytes;  // the client keeps whole answers
  return o;
}

}  // namespace

ReplaySink::ReplaySink(gateway::net::EventLoop& loop, std::shared_ptr<const gateway::Config> config,
                       std::string gateway, gateway::Duration timeout, std::size_t maxConnections,
                       gwsim::RunResult& result)
    : loop_(loop),
      config_(std::move(config)),
      routes_(config_->routes),
      gateway_(std::move(gateway)),
      timeout_(timeout),
      result_(result),
      transport_(std::make_unique<gateway::net::PooledTransport>(
          loop, replayConnectionOptions(maxConnections), stats_,
          [](std::string_view) { return gateway::seconds(2); })) {}

ReplaySink::~ReplaySink() = default;

const std::string& ReplaySink::routeName(const gateway::Request& request) const {
  static const std::string unrouted(gwsim::kUnrouted);
  const gateway::RouteMatch m = routes_.match(request.method, request.host(), request.path(), request.headers);
  return m.kind == gateway::RouteMatch::Kind::kMatched ? config_->routes[m.routeIndex].name : unrouted;
}

nlohmann::json toJson(const NoAnswerCounts& n) {
  return {{"connect", n.connect}, {"reset", n.reset}, {"timeout", n.timeout}, {"protocol", n.protocol}};
}

void ReplaySink::handle(gateway::Request request, std::function<void(gateway::Response)> done) {
  if (closed_) return;
  if (!request.headers.has("host")) request.headers.set("Host", gateway_);  // as the wire would
  const std::string& route = routeName(request);
  gwsim::LatencyStats& stats = result_.routes[route];
  NoAnswerCounts& routeNoAnswer = routeNoAnswer_[route];
  // The simulated client's address is a label only: every real try comes from 127.0.0.1,
  // so limits keyed by client address see one client here (see tools/gwload/README.md).
  const gateway::TimePoint start = loop_.clock().now();
  ++inFlight_;
  ++result_.gatewayRequests;
  const gateway::Endpoint endpoint{"gateway", "gateway", gateway_};
  transport_->send(endpoint, std::move(request), start + timeout_,
                   [this, &stats, &routeNoAnswer, start, done = std::move(done)](gateway::UpstreamResult r) {
                     --inFlight_;
                     // A try the replay's stop cut off is counted once, as still out at the end.
                     if (closed_) return;
                     gateway::Response response;
                     if (r.outcome == gateway::UpstreamOutcome::kResponse) {
                       response = std::move(r.response);
                     } else {
                       response.status = 0;  // no answer: counted by kind, for the route and in total
                       for (NoAnswerCounts* n : {&noAnswer_, &routeNoAnswer}) {
                         switch (r.outcome) {
                           case gateway::UpstreamOutcome::kConnectError: ++n->connect; break;
                           case gateway::UpstreamOutcome::kReset: ++n->reset; break;
                           case gateway::UpstreamOutcome::kTimeout: ++n->timeout; break;
                           default: ++n->protocol; break;
                         }
                       }
                     }
                     const gateway::Duration latency = loop_.clock().now() - start;
                     for (gwsim::LatencyStats* s : {&stats, &result_.total}) {
                       s->statuses.add(response.status);
                       s->latency.record(latency);
                     }
                     done(std::move(response));
                   });
}

}  // namespace gwload
