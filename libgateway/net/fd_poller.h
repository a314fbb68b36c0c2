// Edge-triggered readiness for the hot sockets of one event loop (client sessions and
// upstream connections), NGINX-style: each socket is registered once (EPOLLIN|EPOLLOUT|
// EPOLLRDHUP|EPOLLET) and its owner tracks readiness itself, so waiting for the next request
// or response costs no syscall (Asio's reactor pays a speculative EAGAIN read or an
// epoll_ctl per wait). The poller's own epoll descriptor is waited on through the Asio loop,
// so timers, posts and signals keep working as before. Not thread-safe: one per loop.
// Net-internal (includes Asio).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

namespace gateway::net {

class FdWatcher {
 public:
  virtual ~FdWatcher() = default;
  // EPOLL* bits for the watcher's socket. The watcher must stay alive until the batch in
  // which it is closed ends (owners release themselves through a posted task).
  virtual void onEvents(std::uint32_t events) = 0;
};

class FdPoller {
 public:
  explicit FdPoller(boost::asio::io_context& io);
  ~FdPoller();
  FdPoller(const FdPoller&) = delete;
  FdPoller& operator=(const FdPoller&) = delete;

  // Registers `fd` for edge-triggered read and write readiness. False (errno set) on failure.
  bool add(int fd, FdWatcher* watcher);
  // Unregisters `fd` (call before closing it, so no event of a dead watcher is queued).
  void remove(int fd);
  // Stops waiting (so the loop can run out of work); sockets should be closed by then.
  void stop();

 private:
  void arm();
  void dispatch();

  int epollFd_;
  boost::asio::posix::stream_descriptor descriptor_;
  std::vector<struct epoll_event> events_;
  bool armed_ = false;
  bool stopped_ = false;
};

}  // namespace gateway::net
