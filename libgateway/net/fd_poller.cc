#include "libgateway/net/fd_poller.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace gateway::net {

namespace {

constexpr int kBatch = 256;

int createEpoll() {
  const int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  return fd;
}

}  // namespace

FdPoller::FdPoller(boost::asio::io_context& io) : epollFd_(createEpoll()), descriptor_(io, epollFd_), events_(kBatch) {}

FdPoller::~FdPoller() {
  boost::system::error_code ec;
  descriptor_.close(ec);  // closes epollFd_
}

bool FdPoller::add(int fd, FdWatcher* watcher) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = watcher;
  if (::epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd, &ev) != 0) return false;
  arm();
  return true;
}

void FdPoller::remove(int fd) {
  epoll_event ev{};
  ::epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd, &ev);
}

void FdPoller::stop() {
  stopped_ = true;
  boost::system::error_code ec;
  descriptor_.cancel(ec);
}

void FdPoller::arm() {
  if (armed_ || stopped_) return;
  armed_ = true;
  descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
    armed_ = false;
    if (ec) return;  // closed: the loop is going away
    dispatch();
  });
}

void FdPoller::dispatch() {
  // Drain what is ready now; under load one wake-up serves many sockets, so the re-arm below
  // is paid per batch, not per request.
  for (int round = 0; round < 4; ++round) {
    const int n = ::epoll_wait(epollFd_, events_.data(), static_cast<int>(events_.size()), 0);
    if (n <= 0) break;
    for (int i = 0; i < n; ++i) static_cast<FdWatcher*>(events_[i].data.ptr)->onEvents(events_[i].events);
    if (n < static_cast<int>(events_.size())) break;
  }
  arm();
}

}  // namespace gateway::net
