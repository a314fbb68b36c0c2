#include "libgateway/net/event_loop.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <unordered_map>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "libgateway/net/asio_context.h"

namespace gateway::net {

namespace asio = boost::asio;

namespace {

// Scheduler on one steady_timer: pending timers sit in a min-heap ordered by (time, id), and
// the Asio timer is armed only for the earliest, so the usual case (a route deadline later
// than every pending one) costs no timer syscall. Cancelled entries are dropped lazily, and
// the heap is compacted when they outnumber the live ones.
class AsioScheduler final : public Scheduler {
 public:
  AsioScheduler(asio::io_context& io, Clock& clock) : timer_(io), clock_(clock) {}

  TimerId schedule(TimePoint at, Callback callback) override {
    const TimerId id = nextId_++;
    callbacks_.emplace(id, std::move(callback));
    heap_.push_back({at, id});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
    if (!firing_ && at < armedAt_) arm(at);
    return id;
  }

  void cancel(TimerId id) override {
    if (callbacks_.erase(id) == 0) return;
    if (heap_.size() > 1024 && heap_.size() > 4 * callbacks_.size()) compact();
    if (callbacks_.empty() && !firing_) disarm();
  }

  void cancelAll() {
    callbacks_.clear();
    heap_.clear();
    disarm();
  }

  std::size_t pending() const { return callbacks_.size(); }

 private:
  struct Entry {
    TimePoint at;
    TimerId id;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const { return a.at != b.at ? a.at > b.at : a.id > b.id; }
  };

  void compact() {
    std::erase_if(heap_, [this](const Entry& e) { return !callbacks_.contains(e.id); });
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
    const std::uint64_t generation = ++generation_;
    timer_.async_wait([this, generation](const boost::system::error_code& ec) {
      if (ec || generation != generation_) return;  // re-armed or cancelled meanwhile
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
      auto it = callbacks_.find(id);
      if (it == callbacks_.end()) continue;
      Callback callback = std::move(it->second);
      callbacks_.erase(it);
      callback();
    }
    firing_ = false;
    while (!heap_.empty() && !callbacks_.contains(heap_.front().id)) {
      std::pop_heap(heap_.begin(), heap_.end(), Later{});
      heap_.pop_back();
    }
    if (!heap_.empty()) arm(heap_.front().at);
  }

  asio::steady_timer timer_;
  Clock& clock_;
  std::vector<Entry> heap_;
  std::unordered_map<TimerId, Callback> callbacks_;
  TimerId nextId_ = 1;
  TimePoint armedAt_ = kNever;
  std::uint64_t generation_ = 0;
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

}  // namespace

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
