#include "sim/engine/sim_transport.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string_view>
#include <utility>

namespace gwsim {

namespace {
// Only for lookups within one process (verified against the names), so std::hash will do.
std::uint64_t instanceKey(std::string_view service, std::string_view instance) {
  return std::hash<std::string_view>{}(service) * 31 + std::hash<std::string_view>{}(instance);
}
}  // namespace

using gateway::UpstreamOutcome;
using gateway::UpstreamResult;

SimTransport::SimTransport(const Scenario& scenario, const gateway::Random& root)
    : faultRandom_(root.stream("faults")), networkLatency_(scenario.networkLatency), content_(root.seed()) {
  if (scenario.stampede) stampede_ = &*scenario.stampede;
  for (const auto& svc : scenario.gateway->services) {
    const ServiceModelSpec* spec = nullptr;
    for (const auto& m : scenario.services) {
      if (m.name == svc.name) spec = &m;
    }
    for (std::size_t i = 0; i < svc.instances.size(); ++i) {
      const auto& ic = svc.instances[i];
      InstanceSpec is = spec ? spec->forInstance(ic.id) : InstanceSpec{};
      byKey_.emplace(instanceKey(svc.name, ic.id), instances_.size());
      instances_.push_back(Instance{svc.name, ic.id, InstanceModel(std::move(is)), {}, root.stream("instance/" + svc.name + "/" + ic.id),
                                    spec && spec->content ? &*spec->content : nullptr,
                                    stampede_ && stampede_->service == svc.name});
    }
  }
  for (const auto& f : scenario.faults) faults_.add(f);
}

std::uint64_t SimTransport::newCall() {
  std::uint32_t slot;
  if (!freeCalls_.empty()) {
    slot = freeCalls_.back();
    freeCalls_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(calls_.size());
    calls_.emplace_back();
  }
  calls_[slot] = Call{};
  calls_[slot].job = (generation_++ << 32) | slot;
  return calls_[slot].job;
}

void SimTransport::freeCall(Call& call) {
  const auto slot = static_cast<std::uint32_t>(call.job);
  call.job = 0;
  call.done = nullptr;
  freeCalls_.push_back(slot);
}

SimTransport::Instance* SimTransport::findInstance(const gateway::Endpoint& endpoint) {
  Instance*& recent = recent_[(reinterpret_cast<std::uintptr_t>(endpoint.instance.data()) >> 3) % recent_.size()];
  if (recent && recent->id == endpoint.instance && recent->service == endpoint.service) return recent;
  auto it = byKey_.find(instanceKey(endpoint.service, endpoint.instance));
  if (it == byKey_.end()) return nullptr;
  Instance& inst = instances_[it->second];
  if (inst.service != endpoint.service || inst.id != endpoint.instance) return nullptr;
  recent = &inst;
  return &inst;
}

void SimTransport::attach(gateway::ManualClock& clock, gateway::ManualScheduler& scheduler) {
  clock_ = &clock;
  scheduler_ = &scheduler;
}

std::uint32_t SimTransport::workerLimit(const Instance& inst) const {
  const double factor = faults_.capacityFactor(inst.service, inst.id, clock_->now());
  if (factor >= 1.0) return 0;
  return std::max<std::uint32_t>(1, static_cast<std::uint32_t>(std::floor(inst.model.spec().workers * factor)));
}

void SimTransport::send(const gateway::Endpoint& endpoint, gateway::Request request, gateway::TimePoint deadline,
                        std::function<void(UpstreamResult)> done) {
  const gateway::TimePoint now = clock_->now();
  const std::uint64_t job = newCall();
  Call& call = *findCall(job);
  call.done = std::move(done);
  Instance* found = findInstance(endpoint);
  if (!found) {
    scheduler_->schedule(now, [this, job] {
      answer(job, UpstreamResult{UpstreamOutcome::kConnectError, {}, "no such simulated instance"});
    });
    return;
  }
  Instance& inst = *found;
  call.instance = &inst;
  call.deadline = deadline;
  ++inst.counters.received;
  if (inst.stampede && (stampede_->target.empty() || request.target == stampede_->target) && stampede_->during(now)) {
    ++stampedeFetches_;
  }
  if (inst.content) call.request = std::move(request);

  const FaultEffect fx = faults_.evaluate(inst.service, inst.id, now, faultRandom_);
  if (fx.down || fx.reset || fx.hang || (fx.abortStatus && *fx.abortStatus >= 500)) ++sentWhileFailing_[inst.service];
  // Every answer takes the round trip: the request's way there and the answer's way back.
  const gateway::Duration roundTrip = 2 * networkLatency_;
  if (fx.down || fx.reset) {
    // As mock-services: a refused connection, or a reset as soon as the request is read,
    // before it reaches a worker.
    if (fx.down) ++inst.counters.refused;
    else ++inst.counters.resets;
    armDeadline(job);
    const bool down = fx.down;
    scheduler_->schedule(now + roundTrip, [this, job, down] {
      answer(job, down ? UpstreamResult{UpstreamOutcome::kConnectError, {}, "connection refused (instance down)"}
                       : UpstreamResult{UpstreamOutcome::kReset, {}, "connection reset by peer"});
    });
    return;
  }
  if (fx.hang) {
    ++inst.counters.hung;
    armDeadline(job);
    return;  // only the deadline answers
  }
  // A slow body (no body is modelled: the fault's assumed size) arrives after its head, at
  // the fault's rate; the worker is already free by then, as in mock-services.
  const gateway::Duration bodyTime = fx.slowBody ? fx.slowBody->duration(fx.slowBody->bodyBytes) : 0;
  if (fx.abortStatus) {
    ++inst.counters.aborted;
    const int status = *fx.abortStatus;
    armDeadline(job);
    scheduler_->schedule(now + roundTrip + fx.extraLatency + bodyTime, [this, job, status] {
      Call* c = findCall(job);
      if (!c) return;
      UpstreamResult r;
      if (c->instance->content) {
        r.response = gateway::errorResponse(status, "fault_abort", "injected abort with " + std::to_string(status));
      }
      r.response.status = status;
      r.response.headers.set("X-Fault", "abort");
      answer(job, std::move(r));
    });
    return;
  }
  call.bodyTime = bodyTime;
  if (fx.extraLatency > 0) {
    // A latency fault delays the request before it reaches the instance (as mock-services
    // and Toxiproxy's latency toxic do): it holds no worker. The caller may give up meanwhile;
    // the request still arrives.
    call.delayed = true;
    armDeadline(job);
    scheduler_->schedule(now + fx.extraLatency, [this, job] { admit(job); });
    return;
  }
  admit(job);
}

void SimTransport::admit(std::uint64_t job) {
  Call* c = findCall(job);
  if (!c) return;
  c->delayed = false;
  Instance& inst = *c->instance;
  const gateway::TimePoint now = clock_->now();
  InstanceModel::Work work;
  // A capacity fault that leaves no worker refuses every arrival, as mock-services does.
  const bool noCapacity = faults_.capacityFactor(inst.service, inst.id, now) <= 0.0;
  const auto admission =
      noCapacity ? InstanceModel::Admission::kRejected : inst.model.arrive(job, inst.random, work, workerLimit(inst));
  if (c->answered) {
    // The caller gave up while the request was on its way: a worker that takes it stays busy
    // until done; otherwise it leaves at once, as a queued call leaves at the deadline.
    if (admission == InstanceModel::Admission::kStarted) {
      inst.counters.maxBusy = std::max(inst.counters.maxBusy, inst.model.busy());
      startWork(job, work);
      return;
    }
    if (admission == InstanceModel::Admission::kQueued) inst.model.abandon(job);
    else ++inst.counters.rejected;
    freeCall(*c);
    return;
  }
  switch (admission) {
    case InstanceModel::Admission::kStarted:
      inst.counters.maxBusy = std::max(inst.counters.maxBusy, inst.model.busy());
      startWork(job, work);
      break;
    case InstanceModel::Admission::kQueued:
      if (c->deadlineTimer == 0) armDeadline(job);
      c->queued = true;
      inst.counters.maxQueued = std::max(inst.counters.maxQueued, inst.model.queued());
      startWaiting(inst);  // workers a capacity fault's end freed take the queue's first requests
      break;
    case InstanceModel::Admission::kRejected:
      ++inst.counters.rejected;
      if (c->deadlineTimer == 0) armDeadline(job);
      scheduler_->schedule(now + 2 * networkLatency_ + c->bodyTime, [this, job, noCapacity] {
        Call* call = findCall(job);
        if (!call) return;
        UpstreamResult r;
        if (call->instance->content) {
          const Instance& in = *call->instance;
          r.response = noCapacity ? gateway::errorResponse(503, "no_capacity", "capacity fault: no workers left")
                                  : gateway::errorResponse(503, "overloaded",
                                                           in.id + " is at capacity (" + std::to_string(in.model.spec().workers) +
                                                               " workers, queue " + std::to_string(in.model.spec().queue) + ")");
        }
        r.response.status = 503;
        r.response.headers.set("X-Overload", "queue full");
        answer(job, std::move(r));
      });
      break;
  }
}

void SimTransport::armDeadline(std::uint64_t job) {
  Call& call = *findCall(job);
  // A server still working on a call whose caller gave up keeps the worker busy.
  call.deadlineTimer = scheduler_->schedule(call.deadline, [this, job] {
    Call* c = findCall(job);
    if (!c) return;
    c->deadlineTimer = 0;
    Instance* inst = c->instance;
    ++inst->counters.timedOut;
    const bool queued = std::exchange(c->queued, false);
    // The caller hears first and the queue lets go after, as when the gateway's own timer
    // fired first: a retry sent at once to this instance still finds the call queued.
    answer(job, UpstreamResult{UpstreamOutcome::kTimeout, {}, "deadline passed"});
    if (queued) inst->model.abandon(job);
  });
}

void SimTransport::startWork(std::uint64_t job, const InstanceModel::Work& work) {
  Call* c = findCall(job);
  if (!c) return;
  c->queued = false;
  c->working = true;
  c->status = work.status;
  c->instance->counters.busyTime += work.serviceTime;
  // The worker is busy for the service time only; the answer reaches the caller a round trip
  // (and a slow body) later.
  const gateway::TimePoint at = clock_->now() + work.serviceTime;
  // Work started on arrival needs no deadline timer when its answer comes strictly first (a
  // tie goes to the deadline, armed before the completion as it always was). Queued and
  // faulted calls were armed before.
  const gateway::TimePoint answerAt = at + 2 * networkLatency_ + c->bodyTime;
  if (c->deadlineTimer == 0 && !c->answered && answerAt >= c->deadline) armDeadline(job);
  scheduler_->schedule(at, [this, job] { complete(job); });
}

void SimTransport::complete(std::uint64_t job) {
  Call* c = findCall(job);
  if (!c) return;
  Instance& inst = *c->instance;
  c->working = false;
  const int status = c->status;
  if (status >= 500) ++inst.counters.errors;
  else ++inst.counters.served;
  const gateway::Duration toCaller = 2 * networkLatency_ + c->bodyTime;
  if (c->answered) {
    freeCall(*c);  // the caller timed out earlier; only the worker was still busy
  } else if (toCaller > 0) {
    // The worker is done; the caller has the whole answer a round trip later and only when
    // the body trickled in (a deadline passing first wins, and this timer then finds the
    // call gone).
    scheduler_->schedule(clock_->now() + toCaller, [this, job, r = resultOf(*c, status)]() mutable {
      answer(job, std::move(r));
    });
  } else {
    answer(job, resultOf(*c, status));
  }
  // The worker frees whether or not anyone still waits for the answer.
  inst.model.release();
  startWaiting(inst);
}

void SimTransport::startWaiting(Instance& inst) {
  inst.model.startWaiting(inst.random, workerLimit(inst), [this, &inst](const InstanceModel::Work& work) {
    inst.counters.maxBusy = std::max(inst.counters.maxBusy, inst.model.busy());
    startWork(work.job, work);
  });
}

UpstreamResult SimTransport::resultOf(const Call& call, int status) const {
  UpstreamResult r;
  if (const ServiceContent* content = call.instance->content) {
    // As mock-services answers: the catalog's data, or its error for the modelled error share.
    r.response = status == 200 ? content_.answer(*content, call.instance->service, call.request)
                               : gateway::errorResponse(status, "injected_error", call.instance->id + " failed (modelled error rate)");
  } else {
    r.response.status = status;
  }
  return r;
}

void SimTransport::answer(std::uint64_t job, UpstreamResult result) {
  Call* c = findCall(job);
  if (!c || c->answered) return;
  c->answered = true;
  if (c->deadlineTimer) {
    scheduler_->cancel(c->deadlineTimer);
    c->deadlineTimer = 0;
  }
  auto done = std::move(c->done);
  // A call whose worker is still busy, or still on its way to the instance, stays registered
  // until complete() or admit() frees it.
  if (!c->working && !c->delayed) freeCall(*c);
  done(std::move(result));
}

std::vector<SimTransport::InstanceView> SimTransport::instances() const {
  std::vector<InstanceView> out;
  for (const auto& i : instances_) out.push_back({i.service, i.id, &i.model, &i.counters});
  return out;
}

}  // namespace gwsim
