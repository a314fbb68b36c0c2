#include "tests/integration/scripted_upstream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

namespace gateway::testing {

ScriptedUpstream::ScriptedUpstream(std::vector<std::string> responses) : responses_(std::move(responses)) {
  thread_ = std::thread([this] { serve(); });
}

ScriptedUpstream::~ScriptedUpstream() {
  listener_.stop();
  thread_.join();
}

void ScriptedUpstream::serve() {
  for (;;) {
    pollfd fds[2] = {{listener_.fd(), POLLIN, 0}, {listener_.stopFd(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents) return;
    const int fd = ::accept4(listener_.fd(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    answer(fd);
    ::close(fd);
  }
}

void ScriptedUpstream::answer(int fd) {
  // Read one request head (and its Content-Length body), bounded by a deadline.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::string in;
  std::size_t need = std::string::npos;
  while (need == std::string::npos || in.size() < need) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd fds[2] = {{fd, POLLIN, 0}, {listener_.stopFd(), POLLIN, 0}};
    if (left.count() <= 0 || ::poll(fds, 2, static_cast<int>(left.count())) <= 0 || fds[1].revents) return;
    char buf[8192];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return;
    in.append(buf, static_cast<std::size_t>(n));
    const auto end = in.find("\r\n\r\n");
    if (end != std::string::npos && need == std::string::npos) {
      std::size_t length = 0;
      const auto cl = in.find("Content-Length: ");
      if (cl != std::string::npos && cl < end) length = std::stoul(in.substr(cl + 16));
      need = end + 4 + length;
    }
  }
  const std::string& out = responses_[requests_.fetch_add(1) % responses_.size()];
  std::size_t sent = 0;
  while (sent < out.size()) {
    const ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

}  // namespace gateway::testing
