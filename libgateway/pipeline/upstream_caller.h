// What the upstream calls of one Gateway share: the Env, the observer told about breaker
// transitions and outlier events, the queues of calls waiting for a service's concurrency
// slot (max_pending), buffers reused from call to call, and the list of calls in progress so
// that a Gateway that goes away first detaches them. One per Gateway (so per thread); not
// thread-safe. Env and the observer outlive it.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libgateway/core/env.h"
#include "libgateway/pipeline/upstream_call.h"

namespace gateway {

class ExchangeObserver;
struct ServiceRuntime;

class UpstreamCaller {
 public:
  explicit UpstreamCaller(Env& env) : env_(env) {}
  ~UpstreamCaller();
  UpstreamCaller(const UpstreamCaller&) = delete;
  UpstreamCaller& operator=(const UpstreamCaller&) = delete;

  Env& env() { return env_; }
  void setObserver(ExchangeObserver* observer) { observer_ = observer; }
  ExchangeObserver* observer() const { return observer_; }

 private:
  friend class UpstreamCall;

  // The call may go on: it holds a slot (or the service has no cap). Otherwise it is queued
  // (max_pending) until a slot frees or its deadline passes, or refused with 503.
  bool acquireSlot(UpstreamCall& call, ServiceRuntime& service);
  // A slot of `limiter` was given back: start the calls waiting for one.
  void wakeWaiters(ConcurrencyLimiter* limiter);
  void pollWaiters(ConcurrencyLimiter* limiter);
  void leaveQueue(UpstreamCall& call, ConcurrencyLimiter* limiter);
  void link(UpstreamCall* call) { live_.pushFront(call); }
  void unlink(UpstreamCall* call) { live_.remove(call); }

  Env& env_;
  ExchangeObserver* observer_ = nullptr;
  IntrusiveList<UpstreamCall, &UpstreamCall::liveHook_> live_;  // the started calls not yet destroyed
  // Calls waiting for a concurrency slot, per limiter; a slot freed by another worker is not
  // announced here, so the queue is looked at again every millisecond while it is not empty.
  struct Waiting {
    std::deque<std::shared_ptr<UpstreamCall>> queue;
    TimerId poll = 0;
  };
  std::map<ConcurrencyLimiter*, Waiting> waiting_;
  // Reused per pick or build (one thread).
  std::vector<std::uint8_t> excludedBuffer_;   // outlier exclusions
  std::vector<std::uint8_t> retryExcluded_;    // those, plus the instance a retry avoids
  std::vector<OutlierEvent> readmitted_;
  std::string forwardedFor_;                   // the X-Forwarded-For chain
  std::vector<std::string_view> hopNames_;     // Connection-named fields
};

}  // namespace gateway
