#include "libgateway/pipeline/upstream_caller.h"

#include <algorithm>

#include <fmt/format.h>

#include "libgateway/pipeline/exchange.h"

namespace gateway {

UpstreamCaller::~UpstreamCaller() {
  // Calls waiting for a slot end with their Gateway: their timers go first, so nothing refers
  // to this caller once the queues release them.
  for (auto& [limiter, w] : waiting_) {
    if (w.poll != 0) env_.scheduler.cancel(w.poll);
  }
  // Every call still alive (held by a transport, a timer or a queue) is detached: its timer is
  // cancelled, it forgets this caller, and its hold on its exchange is released, so a
  // transport that drops its callbacks without calling them does not leak it.
  while (UpstreamCall* call = live_.front()) {
    live_.remove(call);
    if (call->timer_ != 0) env_.scheduler.cancel(std::exchange(call->timer_, 0));
    call->caller_ = nullptr;
    call->transportHolds_ = 0;
    std::shared_ptr<UpstreamCall> hold = std::move(call->self_);
  }
}

bool UpstreamCaller::acquireSlot(UpstreamCall& call, ServiceRuntime& service) {
  ConcurrencyLimiter* limiter = service.concurrency.get();
  if (!limiter) return true;
  Waiting* waiting = nullptr;
  if (auto it = waiting_.find(limiter); it != waiting_.end() && !it->second.queue.empty()) waiting = &it->second;
  // Calls already waiting go first.
  if (!waiting && limiter->tryAcquire()) {
    call.concurrencyPermit_ = ConcurrencyPermit(service.concurrency);
    return true;
  }
  // Counts a rejection when the queue is full or there is none (max_pending 0).
  if (limiter->tryAddPending()) {
    call.record_.waitedForSlot = true;
    call.pendingSlot_ = true;
    Waiting& w = waiting_[limiter];
    w.queue.push_back(call.self());
    // Until the call's deadline; then it is answered without a try.
    call.timer_ = env_.scheduler.schedule(call.deadline_, [self = call.self()] { self->onSlotDeadline(); });
    if (w.poll == 0) w.poll = env_.scheduler.schedule(env_.clock.now() + kMillisecond, [this, limiter] { pollWaiters(limiter); });
    return false;
  }
  call.record_.overloaded = true;
  call.answer(errorResponse(503, "overloaded",
                            fmt::format("service \"{}\" has too many requests in flight (limit {}{})", service.config->name,
                                        limiter->limit(),
                                        limiter->config().maxPending > 0 ? ", and its queue is full" : "")),
              "overloaded");
  return false;
}

void UpstreamCaller::leaveQueue(UpstreamCall& call, ConcurrencyLimiter* limiter) {
  auto it = waiting_.find(limiter);
  if (it == waiting_.end()) return;
  auto& queue = it->second.queue;
  queue.erase(std::remove_if(queue.begin(), queue.end(), [&](const auto& c) { return c.get() == &call; }), queue.end());
}

void UpstreamCaller::wakeWaiters(ConcurrencyLimiter* limiter) {
  auto it = waiting_.find(limiter);
  if (it == waiting_.end()) return;
  auto& queue = it->second.queue;
  while (!queue.empty() && limiter->tryAcquire()) {
    std::shared_ptr<UpstreamCall> call = std::move(queue.front());
    queue.pop_front();
    limiter->removePending();
    call->pendingSlot_ = false;
    if (call->timer_ != 0) env_.scheduler.cancel(call->timer_);
    call->timer_ = 0;
    call->concurrencyPermit_ = ConcurrencyPermit(call->exchange_->runtime->service(call->record_.serviceIndex).concurrency);
    call->proceed();
  }
}

void UpstreamCaller::pollWaiters(ConcurrencyLimiter* limiter) {
  Waiting& w = waiting_[limiter];
  w.poll = 0;
  wakeWaiters(limiter);
  if (!w.queue.empty()) w.poll = env_.scheduler.schedule(env_.clock.now() + kMillisecond, [this, limiter] { pollWaiters(limiter); });
}

}  // namespace gateway
