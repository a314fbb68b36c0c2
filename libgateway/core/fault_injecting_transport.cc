#include "libgateway/core/fault_injecting_transport.h"

#include <algorithm>
#include <memory>
#include <numeric>

namespace gateway {
namespace {

UpstreamOutcome outcomeOf(FaultKind kind) {
  switch (kind) {
    case FaultKind::kRefuse: return UpstreamOutcome::kConnectError;
    case FaultKind::kReset: return UpstreamOutcome::kReset;
    case FaultKind::kProtocolError: return UpstreamOutcome::kProtocolError;
    case FaultKind::kAbort: return UpstreamOutcome::kResponse;
    case FaultKind::kHang:
    case FaultKind::kDelay: return UpstreamOutcome::kTimeout;
  }
  return UpstreamOutcome::kTimeout;
}

std::string describe(std::string_view what, const Endpoint& endpoint) {
  std::string s = "fault injected: ";
  s += what;
  s += " (";
  s += endpoint.service;
  s += '/';
  s += endpoint.instance;
  s += ')';
  return s;
}

UpstreamResult injected(const FaultRule& rule, const Endpoint& endpoint) {
  UpstreamResult r;
  r.outcome = outcomeOf(rule.kind);
  if (rule.kind == FaultKind::kAbort) {
    r.response = errorResponse(rule.status, "fault_injected", describe("abort", endpoint));
  } else {
    r.detail = describe(toString(rule.kind), endpoint);
  }
  return r;
}

UpstreamResult timedOut(const Endpoint& endpoint) {
  UpstreamResult r;
  r.outcome = UpstreamOutcome::kTimeout;
  r.detail = describe("deadline passed", endpoint);
  return r;
}

// now + d without overflowing past kNever (latencies may be "forever").
TimePoint later(TimePoint now, Duration d) { return d <= 0 ? now : (now > kNever - d ? kNever : now + d); }

// A delayed pass-through: whichever of the inner answer and the deadline timer comes first
// calls `done`; the other finds it gone. The endpoint's views must outlive the send, so the
// strings are kept here.
struct DelayedCall {
  std::string service, instance, address;
  Request request;
  TimePoint deadline = 0;
  std::function<void(UpstreamResult)> done;
  TimerId guard = 0;
  bool answered = false;

  Endpoint endpoint() const { return Endpoint{service, instance, address}; }
  void answer(UpstreamResult&& result) {
    answered = true;
    auto callback = std::move(done);
    done = nullptr;
    callback(std::move(result));
  }
};

}  // namespace

std::string_view toString(FaultKind kind) {
  switch (kind) {
    case FaultKind::kRefuse: return "refuse";
    case FaultKind::kReset: return "reset";
    case FaultKind::kProtocolError: return "protocol_error";
    case FaultKind::kHang: return "hang";
    case FaultKind::kAbort: return "abort";
    case FaultKind::kDelay: return "delay";
  }
  return "unknown";
}

std::uint64_t FaultCounters::injectedTotal() const {
  return std::accumulate(injected.begin(), injected.end(), std::uint64_t{0});
}

FaultRuleId FaultInjectingTransport::add(FaultRule rule) {
  const FaultRuleId id = nextId_++;
  rules_.push_back(Rule{id, std::move(rule)});
  return id;
}

bool FaultInjectingTransport::remove(FaultRuleId id) {
  return std::erase_if(rules_, [id](const Rule& r) { return r.id == id; }) > 0;
}

void FaultInjectingTransport::clear() { rules_.clear(); }

std::uint64_t FaultInjectingTransport::fired(FaultRuleId id) const {
  const auto it = std::find_if(rules_.begin(), rules_.end(), [id](const Rule& r) { return r.id == id; });
  return it == rules_.end() ? 0 : it->fired;
}

FaultInjectingTransport::Rule* FaultInjectingTransport::match(const Endpoint& endpoint, TimePoint now) {
  for (Rule& rule : rules_) {
    const FaultRule& s = rule.spec;
    if (rule.fired >= s.limit || now < s.from || now >= s.until) continue;
    if (!s.service.empty() && s.service != endpoint.service) continue;
    if (!s.instance.empty() && s.instance != endpoint.instance) continue;
    if (s.probability <= 0) continue;
    // The draw comes last so that a rule that cannot apply never moves the Random.
    if (s.probability < 1 && !random_.chance(s.probability)) continue;
    return &rule;
  }
  return nullptr;
}

void FaultInjectingTransport::send(const Endpoint& endpoint, Request request, TimePoint deadline,
                                   std::function<void(UpstreamResult)> done) {
  ++counters_.calls;
  const TimePoint now = clock_.now();
  Rule* rule = match(endpoint, now);
  if (rule == nullptr) {
    ++counters_.passedThrough;
    inner_.send(endpoint, std::move(request), deadline, std::move(done));
    return;
  }
  ++rule->fired;
  const FaultRule& spec = rule->spec;
  ++counters_.injected[static_cast<std::size_t>(spec.kind)];
  if (spec.kind == FaultKind::kHang) {
    deliver(deadline, std::move(done), timedOut(endpoint));
    return;
  }
  // A fault (or a forward) due at or after the deadline is a timeout at the deadline.
  const TimePoint at = later(now, spec.latency);
  if (spec.latency > 0 && at >= deadline) {
    deliver(deadline, std::move(done), timedOut(endpoint));
  } else if (spec.kind == FaultKind::kDelay) {
    delayThenForward(endpoint, std::move(request), at, deadline, std::move(done));
  } else {
    deliver(at, std::move(done), injected(spec, endpoint));
  }
}

void FaultInjectingTransport::deliver(TimePoint at, std::function<void(UpstreamResult)>&& done,
                                      UpstreamResult&& result) {
  // std::function needs a copyable callable; the result rides in a shared_ptr so copies stay cheap.
  auto boxed = std::make_shared<UpstreamResult>(std::move(result));
  scheduler_.schedule(at, [done = std::move(done), boxed] { done(std::move(*boxed)); });
}

void FaultInjectingTransport::delayThenForward(const Endpoint& endpoint, Request&& request, TimePoint forwardAt,
                                               TimePoint deadline, std::function<void(UpstreamResult)>&& done) {
  auto call = std::make_shared<DelayedCall>();
  call->service = endpoint.service;
  call->instance = endpoint.instance;
  call->address = endpoint.address;
  call->request = std::move(request);
  call->deadline = deadline;
  call->done = std::move(done);
  // The callbacks hold the inner transport and the scheduler, not `this` (see the header).
  UpstreamTransport& inner = inner_;
  Scheduler& scheduler = scheduler_;
  scheduler_.schedule(forwardAt, [call, &inner, &scheduler] {
    call->guard = scheduler.schedule(call->deadline, [call] {
      call->guard = 0;
      if (!call->answered) call->answer(timedOut(call->endpoint()));
    });
    inner.send(call->endpoint(), std::move(call->request), call->deadline, [call, &scheduler](UpstreamResult result) {
      if (call->answered) return;  // after the deadline: already reported as kTimeout
      scheduler.cancel(call->guard);
      call->guard = 0;
      call->answer(std::move(result));
    });
  });
}

}  // namespace gateway
