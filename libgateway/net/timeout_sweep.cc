#include "libgateway/net/timeout_sweep.h"

namespace gateway::net {

Expirable::Expirable(TimeoutSweep& sweep) : sweep_(&sweep) { sweep_->link(this); }

Expirable::~Expirable() {
  if (sweep_) sweep_->unlink(this);
}

TimeoutSweep::TimeoutSweep(Clock& clock, Scheduler& scheduler, Duration period)
    : clock_(clock), scheduler_(scheduler), period_(period), coarseNow_(clock.now()) {}

TimeoutSweep::~TimeoutSweep() {
  stop();
  // Objects still registered (owned by handlers an io_context destroys later) detach.
  for (Expirable* e = head_; e != nullptr;) {
    Expirable* next = e->next_;
    e->sweep_ = nullptr;
    e->prev_ = e->next_ = nullptr;
    e = next;
  }
  head_ = nullptr;
}

void TimeoutSweep::start() {
  if (running_) return;
  running_ = true;
  coarseNow_ = clock_.now();
  timer_ = scheduler_.schedule(coarseNow_ + period_, [this] { tick(); });
}

void TimeoutSweep::stop() {
  running_ = false;
  if (timer_ != 0) scheduler_.cancel(timer_);
  timer_ = 0;
}

void TimeoutSweep::tick() {
  timer_ = 0;
  if (!running_) return;
  coarseNow_ = clock_.now();
  sweep(coarseNow_);
  if (running_) timer_ = scheduler_.schedule(coarseNow_ + period_, [this] { tick(); });
}

void TimeoutSweep::sweep(TimePoint now) {
  // onExpired() may destroy the object it is called on (and so unlink it); the cursor is
  // advanced by unlink() when that happens, so the walk never touches freed memory.
  for (Expirable* e = head_; e != nullptr;) {
    cursor_ = e->next_;
    if (e->deadline_ <= now) {
      e->deadline_ = kNever;
      e->onExpired();
    }
    e = cursor_;
  }
  cursor_ = nullptr;
}

void TimeoutSweep::link(Expirable* e) {
  e->prev_ = nullptr;
  e->next_ = head_;
  if (head_) head_->prev_ = e;
  head_ = e;
  ++size_;
}

void TimeoutSweep::unlink(Expirable* e) {
  if (cursor_ == e) cursor_ = e->next_;
  if (e->prev_) e->prev_->next_ = e->next_;
  else head_ = e->next_;
  if (e->next_) e->next_->prev_ = e->prev_;
  e->prev_ = e->next_ = nullptr;
  --size_;
}

}  // namespace gateway::net
