// One Asio io_context and what lives on it: a Scheduler (timers), a TimeoutSweep (coarse
// connection deadlines) and signal handling. Each worker thread runs one EventLoop; the
// gateway core reaches it only through Env (clock, scheduler). post(), stop() and finish()
// are thread-safe; everything else is for the loop's own thread. The clock must outlive it.
// Boost stays out of this header (pimpl); net code gets the io_context via asio_context.h.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>

#include "libgateway/core/env.h"
#include "libgateway/net/timeout_sweep.h"

namespace gateway::net {

class EventLoop {
 public:
  // `sweepPeriod`: how often connection deadlines are checked (their resolution).
  explicit EventLoop(Clock& clock, Duration sweepPeriod = millis(100));
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  Clock& clock() { return clock_; }
  Scheduler& scheduler();
  TimeoutSweep& sweep();

  // Runs handlers until finish() let the work run out, or stop(). Starts the sweep.
  void run();
  // Thread-safe: lets run() return once the pending work is done (a graceful end).
  void finish();
  // Thread-safe: makes run() return as soon as possible, abandoning pending handlers.
  void stop();
  // Thread-safe: runs `fn` on the loop's thread, never inline.
  void post(std::function<void()> fn);
  // Calls `handler(signal)` on this loop for each delivery of one of `signals`.
  void onSignals(std::initializer_list<int> signals, std::function<void(int)> handler);
  // Cancels every pending timer (their callbacks are destroyed, not run).
  void cancelTimers();

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  Clock& clock_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gateway::net
