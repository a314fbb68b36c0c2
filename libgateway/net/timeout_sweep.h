// Coarse deadlines for connections: every Expirable registered here (client sessions,
// upstream connections) carries one deadline, and a periodic tick closes the ones whose
// deadline passed. Setting a deadline is a store, not a timer syscall, so the hot path pays
// nothing for timeouts (NGINX and HAProxy keep their timers the same way, off the I/O path).
// Not thread-safe: one TimeoutSweep per event loop, used only on that loop's thread.
#pragma once

#include <cstddef>

#include "libgateway/core/env.h"

namespace gateway::net {

class TimeoutSweep;

// Base for objects with a deadline. Registers itself on construction, unregisters on
// destruction; the sweep never owns it, and may die first (it then detaches its objects).
class Expirable {
 public:
  explicit Expirable(TimeoutSweep& sweep);
  virtual ~Expirable();
  Expirable(const Expirable&) = delete;
  Expirable& operator=(const Expirable&) = delete;

  void setDeadline(TimePoint at) { deadline_ = at; }
  TimePoint deadline() const { return deadline_; }

 protected:
  // Called once the deadline passed; the deadline is reset to kNever first.
  virtual void onExpired() = 0;

 private:
  friend class TimeoutSweep;
  TimeoutSweep* sweep_;
  Expirable* prev_ = nullptr;
  Expirable* next_ = nullptr;
  TimePoint deadline_ = kNever;
};

class TimeoutSweep {
 public:
  // Ticks every `period` on `scheduler` once start() is called.
  TimeoutSweep(Clock& clock, Scheduler& scheduler, Duration period);
  ~TimeoutSweep();

  void start();
  void stop();
  // The time of the last tick (or of start()): good enough to set deadlines this sweep
  // checks, and free, unlike a clock read.
  TimePoint coarseNow() const { return coarseNow_; }
  // Expires every registered object whose deadline is at or before `now`.
  void sweep(TimePoint now);
  std::size_t size() const { return size_; }

  // Calls `fn(Expirable&)` on each registered object; `fn` must not destroy others.
  template <typename Fn>
  void forEach(Fn&& fn) {
    for (Expirable* e = head_; e != nullptr;) {
      Expirable* next = e->next_;
      fn(*e);
      e = next;
    }
  }

 private:
  friend class Expirable;
  void link(Expirable* e);
  void unlink(Expirable* e);
  void tick();

  Clock& clock_;
  Scheduler& scheduler_;
  Duration period_;
  TimerId timer_ = 0;
  TimePoint coarseNow_ = 0;
  bool running_ = false;
  Expirable* head_ = nullptr;
  Expirable* cursor_ = nullptr;  // the next object to visit during a sweep
  std::size_t size_ = 0;
};

}  // namespace gateway::net
