#include "libgateway/net/event_loop.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "libgateway/net/asio_context.h"

namespace gateway::net {

namespace asio = boost::asio;

// Named, not anonymous: EventLoop::Impl (external linkage) holds these as fields.
namespace event_loop_detail {

// Scheduler on one steady_timer: pending timers sit in a min-heap ordered by (time, sequence)
// and the Asio timer is armed only for the earliest, so the usual case (a route deadline later
// than every pending one) costs no timer syscall. Callbacks live in a slab of reusable slots
// (a TimerId is slot index + generation), so scheduling allocates nothing once warm;
// cancelled heap entries are dropped lazily and compacted when they outnumber live ones.
class AsioScheduler final : public Scheduler {
 public:
  AsioScheduler(asio::io_context& io, Clock& clock) : timer_(io), clock_(clock) {}

  TimerId schedule(TimePoint at, Callback callback) override {
    std::uint32_t index;
    if (!free_.empty()) {
      index = free_.back();
      free_.pop_back();
    } else {
      index = static_cast<std::uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    Slot& slot = slots_[index];
    slot.callback = std::move(callback);
    slot.live = true;
    ++live_;
    const TimerId id = (static_cast<TimerId>(slot.generation) << 32) | index;
    heap_.push_back({at, nextSequence_++, id});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
    if (!firing_ && at < armedAt_) arm(at);
    return id;
  }

  // Thread-safe: the io_context queues the handler for this loop's thread.
  void post(Callback callback) override { asio::post(timer_.get_executor(), std::move(callback)); }

  void cancel(TimerId id) override {
    Slot* slot = find(id);
    if (!slot) return;
    release(*slot, static_cast<std::uint32_t>(id & 0xFFFFFFFFu));
    if (heap_.size() > 1024 && heap_.size() > 4 * live_) compact();
    if (live_ == 0 && !firing_) disarm();
  }

  void cancelAll() {
    for (std::uint32_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].live) release(slots_[i], i);
    }
    heap_.clear();
    disarm();
  }

 private:
  struct Slot {
    Callback callback;
    std::uint32_t generation = 1;  // never 0, so no TimerId is 0 ("no timer" to callers)
    bool live = false;
  };
  struct Entry {
    TimePoint at;
    std::uint64_t sequence;
    TimerId id;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.at != b.at ? a.at > b.at : a.sequence > b.sequence;
    }
  };

  Slot* find(TimerId id) {
    const auto index = static_cast<std::uint32_t>(id & 0xFFFFFFFFu);
    const auto generation = static_cast<std::uint32_t>(id >> 32);
    if (index >= slots_.size()) return nullptr;
    Slot& slot = slots_[index];
    return slot.live && slot.generation == generation ? &slot : nullptr;
  }

  void release(Slot& slot, std::uint32_t index) {
    slot.callback = nullptr;
    slot.live = false;
    if (++slot.generation == 0) slot.generation = 1;
    free_.push_back(index);
    --live_;
  }

  void compact() {
    std::erase_if(heap_, [this](const Entry& e) { return find(e.id) == nullptr; });
    std::make_heap(heap_.begin(), heap_.end(), Later{});
  }

  void disarm() {
    if (armedAt_ == kNever) return;
    armedAt_ = kNever;
    timer_.cancel();
  }

  void arm(TimePoint at) {
    armedAt_ = at;
    timer_.expires_at(std::chrono::steady_clock::time_point(std::chrono::microseconds(at)));
    const std::uint64_t generation = ++armGeneration_;
    timer_.async_wait([this, generation](const boost::system::error_code& ec) {
      if (ec || generation != armGeneration_) return;  // re-armed or cancelled meanwhile
      fire();
    });
  }

  void fire() {
    armedAt_ = kNever;
    firing_ = true;
    const TimePoint now = clock_.now();
    while (!heap_.empty() && heap_.front().at <= now) {
      const TimerId id = heap_.front().id;
      std::pop_heap(heap_.begin(), heap_.end(), Later{});
      heap_.pop_back();
      Slot* slot = find(id);
      if (!slot) continue;
      Callback callback = std::move(slot->callback);
      release(*slot, static_cast<std::uint32_t>(id & 0xFFFFFFFFu));
      callback();
    }
    firing_ = false;
    while (!heap_.empty() && find(heap_.front().id) == nullptr) {
      std::pop_heap(heap_.begin(), heap_.end(), Later{});
      heap_.pop_back();
    }
    if (!heap_.empty()) arm(heap_.front().at);
  }

  asio::steady_timer timer_;
  Clock& clock_;
  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
  std::size_t live_ = 0;
  std::uint64_t nextSequence_ = 0;
  TimePoint armedAt_ = kNever;
  std::uint64_t armGeneration_ = 0;
  bool firing_ = false;
};

// Calls its handler for each delivered signal until cancelled.
struct SignalWatcher {
  SignalWatcher(asio::io_context& io, std::function<void(int)> h) : set(io), handler(std::move(h)) {}
  void wait() {
    set.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      handler(signal);
      wait();
    });
  }
  void cancel() { set.cancel(); }
  asio::signal_set set;
  std::function<void(int)> handler;
};

}  // namespace event_loop_detail

using event_loop_detail::AsioScheduler;
using event_loop_detail::SignalWatcher;

struct EventLoop::Impl {
  Impl(Clock& clock, Duration sweepPeriod)
      : guard(asio::make_work_guard(io)), scheduler(io, clock), sweep(clock, scheduler, sweepPeriod), poller(io) {}

  asio::io_context io{1};  // one thread per loop: Asio may skip its internal locking
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  AsioScheduler scheduler;
  TimeoutSweep sweep;
  FdPoller poller;
  std::vector<std::unique_ptr<SignalWatcher>> signals;
};

EventLoop::EventLoop(Clock& clock, Duration sweepPeriod)
    : clock_(clock), impl_(std::make_unique<Impl>(clock, sweepPeriod)) {}

EventLoop::~EventLoop() {
  impl_->sweep.stop();
  impl_->scheduler.cancelAll();
  impl_->signals.clear();
}

Scheduler& EventLoop::scheduler() { return impl_->scheduler; }
TimeoutSweep& EventLoop::sweep() { return impl_->sweep; }

void EventLoop::run() {
  impl_->sweep.start();
  impl_->io.run();
}

void EventLoop::finish() {
  asio::post(impl_->io, [this] {
    impl_->sweep.stop();
    impl_->poller.stop();
    for (auto& s : impl_->signals) s->cancel();
    impl_->guard.reset();
  });
}

void EventLoop::stop() { impl_->io.stop(); }

void EventLoop::post(std::function<void()> fn) { asio::post(impl_->io, std::move(fn)); }

void EventLoop::cancelTimers() { impl_->scheduler.cancelAll(); }

void EventLoop::onSignals(std::initializer_list<int> signals, std::function<void(int)> handler) {
  auto watcher = std::make_unique<SignalWatcher>(impl_->io, std::move(handler));
  for (int s : signals) watcher->set.add(s);
  watcher->wait();
  impl_->signals.push_back(std::move(watcher));
}

boost::asio::io_context& ioContext(EventLoop& loop) { return loop.impl().io; }

FdPoller& fdPoller(EventLoop& loop) { return loop.impl().poller; }

}  // namespace gateway::net
