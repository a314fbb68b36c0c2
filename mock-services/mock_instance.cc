#include "mock-services/mock_instance.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "mock-services/mock_fleet.h"
#include "mock-services/paced_body.h"

namespace gateway::mock {

namespace {
constexpr std::string_view kSlowBodyHeader = "X-Fault-Slow-Body";
}  // namespace

MockInstance::MockInstance(MockFleet& fleet, const MockServiceConfig& service, const MockInstanceConfig& config,
                           Random random)
    : fleet_(fleet), service_(service.name), kind_(service.kind), id_(config.id), model_(config.spec),
      random_(std::move(random)) {}

bool MockInstance::acceptConnection() {
  if (!fleet_.faults().down(service_, id_)) return true;
  ++refusedConnections_;
  return false;
}

std::uint32_t MockInstance::workerLimit(double capacity) const {
  if (capacity >= 1.0) return 0;  // the spec's workers
  return std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::floor(model_.spec().workers * capacity)));
}

void MockInstance::respond(net::ResponseSink& sink, const Request& request, Response response,
                           const SlowBody& slowBody) {
  ++responses_[response.status];
  response.headers.set("X-Mock-Service", service_);
  response.headers.set("X-Mock-Instance", id_);
  response.headers.set("X-Mock-Target", request.target);
  if (slowBody && !response.body.empty() && request.method != "HEAD") {
    ++slowBodies_;
    response.headers.set(kSlowBodyHeader,
                         fmt::format("bytes_per_s={}; slice_bytes={}", slowBody->bytesPerSecond, slowBody->slice()));
    paceBody(response, *slowBody, fleet_.loop().scheduler(), fleet_.loop().clock());
  }
  sink.respond(std::move(response));
}

void MockInstance::handle(Request request, net::ResponseSink sink) {
  // Control endpoints are not traffic: they bypass faults, the model and the counters.
  const std::string_view path = request.path();
  if (path == "/_faults" || path.starts_with("/_faults/") || path == "/_stats" || path == "/_health") {
    Response r;
    if (path == "/_stats") {
      r.body = fleet_.stats().dump(2);
      r.headers.set("Content-Type", "application/json");
    } else if (path == "/_health") {
      r.body = R"({"status":"ok"})";
      r.headers.set("Content-Type", "application/json");
    } else {
      r = fleet_.faults().handle(request);
    }
    r.headers.set("X-Mock-Service", service_);
    r.headers.set("X-Mock-Instance", id_);
    return sink.respond(std::move(r));
  }
  ++requests_;

  gwsim::FaultEffect effect = fleet_.faults().evaluate(service_, id_, random_);
  if (auto bad = FaultControl::applyHeaders(request.headers, effect)) return respond(sink, request, std::move(*bad));
  if (effect.down || effect.reset) {
    ++resets_;
    return sink.reset();
  }
  if (effect.hang) {
    ++hangs_;
    return;  // the sink is dropped unanswered: the caller's deadline decides
  }
  const double capacity = effect.capacityFactor;
  const SlowBody slowBody = effect.slowBody;
  if (effect.abortStatus) {
    ++aborted_;
    const int status = *effect.abortStatus;
    if (effect.extraLatency <= 0) {
      return respond(sink, request, errorResponse(status, "fault_abort", fmt::format("injected abort with {}", status)),
                     slowBody);
    }
  }
  if (effect.extraLatency > 0) {
    // Latency faults delay the request before it reaches the service (like Toxiproxy's
    // latency toxic): they do not hold a worker.
    ++delayed_;
    auto& loop = fleet_.loop();
    const std::optional<int> abort = effect.abortStatus;
    loop.scheduler().schedule(loop.clock().now() + effect.extraLatency,
                              [this, request = std::move(request), sink = std::move(sink), abort, capacity,
                               slowBody]() mutable {
                                if (abort) {
                                  return respond(sink, request,
                                                 errorResponse(*abort, "fault_abort", fmt::format("injected abort with {}", *abort)),
                                                 slowBody);
                                }
                                arrive(std::move(request), std::move(sink), capacity, slowBody);
                              });
    return;
  }
  arrive(std::move(request), std::move(sink), capacity, slowBody);
}

void MockInstance::arrive(Request request, net::ResponseSink sink, double capacity, SlowBody slowBody) {
  if (capacity <= 0.0) {
    ++rejected_;
    return respond(sink, request, errorResponse(503, "no_capacity", "capacity fault: no workers left"), slowBody);
  }
  const std::uint64_t job = nextJob_++;
  gwsim::InstanceModel::Work work;
  switch (model_.arrive(job, random_, work, workerLimit(capacity))) {
    case gwsim::InstanceModel::Admission::kRejected:
      ++rejected_;
      return respond(sink, request,
                     errorResponse(503, "overloaded", fmt::format("{} is at capacity ({} workers, queue {})", id_,
                                                                  model_.spec().workers, model_.spec().queue)),
                     slowBody);
    case gwsim::InstanceModel::Admission::kQueued:
      jobs_.emplace(job, Job{std::move(request), std::move(sink), slowBody});
      // Workers a capacity fault's end freed take the queue's first requests.
      model_.startWaiting(random_, workerLimit(capacity), [this](const gwsim::InstanceModel::Work& w) { start(w); });
      return;
    case gwsim::InstanceModel::Admission::kStarted:
      jobs_.emplace(job, Job{std::move(request), std::move(sink), slowBody});
      return start(work);
  }
}

void MockInstance::start(const gwsim::InstanceModel::Work& work) {
  auto& loop = fleet_.loop();
  loop.scheduler().schedule(loop.clock().now() + work.serviceTime, [this, work] { complete(work); });
}

void MockInstance::complete(const gwsim::InstanceModel::Work& work) {
  auto node = jobs_.extract(work.job);
  if (!node.empty()) {
    Job& job = node.mapped();
    if (work.status == 200) {
      respond(job.sink, job.request, fleet_.catalog().answer(kind_, job.request), job.slowBody);
    } else {
      respond(job.sink, job.request,
              errorResponse(work.status, "injected_error", fmt::format("{} failed (modelled error rate)", id_)),
              job.slowBody);
    }
  }
  model_.release();
  model_.startWaiting(random_, workerLimit(fleet_.faults().capacity(service_, id_)),
                      [this](const gwsim::InstanceModel::Work& w) { start(w); });
}

nlohmann::json MockInstance::stats() const {
  nlohmann::json codes = nlohmann::json::object();
  for (const auto& [status, n] : responses_) codes[std::to_string(status)] = n;
  return {{"service", service_},
          {"instance", id_},
          {"kind", kind_},
          {"requests", requests_},
          {"responses", codes},
          {"rejected", rejected_},
          {"aborted", aborted_},
          {"resets", resets_},
          {"hangs", hangs_},
          {"delayed", delayed_},
          {"slow_bodies", slowBodies_},
          {"connections_refused", refusedConnections_},
          {"busy", model_.busy()},
          {"queued", model_.queued()}};
}

}  // namespace gateway::mock
