// FaultInjectingTransport: an UpstreamTransport that wraps another one and injects faults
// by rule (leveldb's EnvWrapper / FaultInjectionTestEnv, Toxiproxy's toxics, Envoy's fault
// filter), so tests and the simulator can break upstreams without touching the code under
// test. A send that no rule matches goes to the inner transport unchanged.
//
// Every injected answer goes through the Scheduler (never inline) and `done` is called exactly
// once: a delayed pass-through keeps its own timer at the deadline and drops an inner answer
// that comes after it.
//
// Thread-safety: none, like Env; one thread calls send, the rule methods and the callbacks.
// Ownership: the inner transport, scheduler, clock and random are held by reference and must
// outlive this object and every call it has pending. Pending calls never refer back to this
// object (they hold the inner transport and the scheduler), so it may go first.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "libgateway/core/env.h"

namespace gateway {

enum class FaultKind : std::uint8_t {
  kRefuse,         // kConnectError
  kReset,          // kReset
  kProtocolError,  // kProtocolError
  kHang,           // no answer: kTimeout at the deadline
  kAbort,          // a response with `status` and a small JSON body; the inner is not called
  kDelay,          // `latency` added, then passed through (kTimeout if the deadline comes first)
};
inline constexpr std::size_t kFaultKindCount = 6;

std::string_view toString(FaultKind kind);

// One rule. Build it with a factory and the && modifiers:
//   FaultRule::refuse("pay").onInstance("pay-1").during(t0, t1).withProbability(0.3).times(5)
struct FaultRule {
  static constexpr std::uint64_t kUnlimited = std::numeric_limits<std::uint64_t>::max();

  FaultKind kind = FaultKind::kRefuse;
  std::string service;   // Endpoint.service to match; empty matches every service
  std::string instance;  // Endpoint.instance to match; empty matches every instance
  TimePoint from = std::numeric_limits<TimePoint>::min();  // active on [from, until)
  TimePoint until = kNever;
  // Drawn from the Random only when everything else matches; <= 0 never and >= 1 always
  // apply without a draw, so rules with probability 1 stay deterministic.
  double probability = 1.0;
  std::uint64_t limit = kUnlimited;  // injects at most this many times, then stays inert
  // kDelay: the added latency. Refuse, reset, protocol error and abort: when the fault is
  // reported (0: at once). A latency reaching the deadline reports kTimeout at the deadline.
  Duration latency = 0;
  int status = 503;  // kAbort only

  static FaultRule refuse(std::string service) { return make(FaultKind::kRefuse, std::move(service)); }
  static FaultRule reset(std::string service) { return make(FaultKind::kReset, std::move(service)); }
  static FaultRule protocolError(std::string service) { return make(FaultKind::kProtocolError, std::move(service)); }
  static FaultRule hang(std::string service) { return make(FaultKind::kHang, std::move(service)); }
  static FaultRule abort(std::string service, int status) {
    FaultRule r = make(FaultKind::kAbort, std::move(service));
    r.status = status;
    return r;
  }
  static FaultRule delay(std::string service, Duration latency) {
    FaultRule r = make(FaultKind::kDelay, std::move(service));
    r.latency = latency;
    return r;
  }

  FaultRule onInstance(std::string id) && {
    instance = std::move(id);
    return std::move(*this);
  }
  FaultRule during(TimePoint start, TimePoint end) && {
    from = start;
    until = end;
    return std::move(*this);
  }
  FaultRule withProbability(double p) && {
    probability = p;
    return std::move(*this);
  }
  FaultRule times(std::uint64_t n) && {
    limit = n;
    return std::move(*this);
  }
  FaultRule after(Duration d) && {
    latency = d;
    return std::move(*this);
  }

 private:
  static FaultRule make(FaultKind kind, std::string service) {
    FaultRule r;
    r.kind = kind;
    r.service = std::move(service);
    return r;
  }
};

// Counted when send decides: calls == passedThrough + the sum of injected.
struct FaultCounters {
  std::uint64_t calls = 0;
  std::uint64_t passedThrough = 0;  // sent on unchanged (a delayed call counts as kDelay)
  std::array<std::uint64_t, kFaultKindCount> injected{};

  std::uint64_t of(FaultKind kind) const { return injected[static_cast<std::size_t>(kind)]; }
  std::uint64_t injectedTotal() const;
};

using FaultRuleId = std::uint64_t;

class FaultInjectingTransport final : public UpstreamTransport {
 public:
  FaultInjectingTransport(UpstreamTransport& inner, Scheduler& scheduler, const Clock& clock, Random& random)
      : inner_(inner), scheduler_(scheduler), clock_(clock), random_(random) {}
  FaultInjectingTransport(const FaultInjectingTransport&) = delete;
  FaultInjectingTransport& operator=(const FaultInjectingTransport&) = delete;

  void send(const Endpoint& endpoint, Request request, TimePoint deadline,
            std::function<void(UpstreamResult)> done) override;
  // The inner transport's: hang and delay report kTimeout exactly at the deadline, which
  // agrees with either answer (a gateway keeping its own timer ignores the second report).
  bool timesOutAtDeadline() const override { return inner_.timesOutAtDeadline(); }

  // Rules are tried in the order added; the first that applies decides (one whose draw
  // fails lets later rules try). Changes affect later sends only, never pending ones.
  FaultRuleId add(FaultRule rule);
  bool remove(FaultRuleId id);  // false if unknown (already removed or cleared)
  void clear();
  std::size_t ruleCount() const { return rules_.size(); }
  // How many times a rule has injected (0 once it is removed).
  std::uint64_t fired(FaultRuleId id) const;

  const FaultCounters& counters() const { return counters_; }
  void resetCounters() { counters_ = {}; }

 private:
  struct Rule {
    FaultRuleId id;
    FaultRule spec;
    std::uint64_t fired = 0;
  };
  Rule* match(const Endpoint& endpoint, TimePoint now);
  void delayThenForward(const Endpoint& endpoint, Request&& request, TimePoint forwardAt, TimePoint deadline,
                        std::function<void(UpstreamResult)>&& done);
  void deliver(TimePoint at, std::function<void(UpstreamResult)>&& done, UpstreamResult&& result);

  UpstreamTransport& inner_;
  Scheduler& scheduler_;
  const Clock& clock_;
  Random& random_;
  std::vector<Rule> rules_;
  FaultRuleId nextId_ = 1;
  FaultCounters counters_;
};

}  // namespace gateway
