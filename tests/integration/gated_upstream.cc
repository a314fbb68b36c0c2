#include "tests/integration/gated_upstream.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include "tests/integration/keepalive_upstream.h"

namespace gateway::testing {

GatedUpstream::GatedUpstream(std::size_t answerBytes, bool open) : answerBytes_(answerBytes), open_(open) {
  if (::pipe2(gatePipe_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe2 failed");
  thread_ = std::thread([this] { serve(); });
}

GatedUpstream::~GatedUpstream() {
  listener_.stop();
  thread_.join();
  ::close(gatePipe_[0]);
  ::close(gatePipe_[1]);
}

void GatedUpstream::open() {
  open_ = true;
  (void)!::write(gatePipe_[1], "o", 1);
}

void GatedUpstream::close() {
  open_ = false;
  (void)!::write(gatePipe_[1], "c", 1);
}

std::vector<std::string> GatedUpstream::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

bool GatedUpstream::waitRequests(std::uint64_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return requests_.load() >= n; });
}

bool GatedUpstream::waitAborted(std::uint64_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return aborted_.load() >= n; });
}

bool GatedUpstream::sendAll(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t w = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (w <= 0) return false;
    sent += static_cast<std::size_t>(w);
  }
  return true;
}

void GatedUpstream::answerWhole(Peer& peer, std::vector<Held>& held) {
  while (const std::size_t n = wholeRequestLength(peer.in)) {
    const std::string head = peer.in.substr(0, peer.in.find("\r\n"));
    const std::size_t bodyLength = n - (peer.in.find("\r\n\r\n") + 4);
    peer.in.erase(0, n);
    // "GET /p/7 HTTP/1.1" -> "GET /p/7 <body length>"
    std::string name = head.substr(0, head.rfind(' ')) + " " + std::to_string(bodyLength);
    std::string body = name;
    if (body.size() < answerBytes_) body.append(answerBytes_ - body.size(), '.');
    std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body;
    {
      std::lock_guard lock(mutex_);
      received_.push_back(std::move(name));
      requests_.fetch_add(1);
    }
    changed_.notify_all();
    if (open_) {
      sendAll(peer.fd, answer);
    } else {
      held.push_back({peer.fd, std::move(answer)});
    }
  }
}

void GatedUpstream::serve() {
  std::vector<Peer> peers;
  std::vector<Held> held;
  for (;;) {
    std::vector<pollfd> fds{{listener_.fd(), POLLIN, 0}, {listener_.stopFd(), POLLIN, 0}, {gatePipe_[0], POLLIN, 0}};
    for (const Peer& p : peers) fds.push_back({p.fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0) continue;
    if (fds[1].revents) break;
    if (fds[2].revents) {
      char drain[64];
      while (::read(gatePipe_[0], drain, sizeof drain) > 0) {
      }
      if (open_) {
        for (auto it = held.rbegin(); it != held.rend(); ++it) sendAll(it->fd, it->bytes);
        held.clear();
      }
    }
    for (std::size_t i = peers.size(); i-- > 0;) {
      if (!fds[i + 3].revents) continue;
      char buf[16384];
      const ssize_t n = ::read(peers[i].fd, buf, sizeof buf);
      if (n > 0) {
        peers[i].in.append(buf, static_cast<std::size_t>(n));
        answerWhole(peers[i], held);
        continue;
      }
      if (!peers[i].in.empty()) {
        {
          std::lock_guard lock(mutex_);
          aborted_.fetch_add(1);
        }
        changed_.notify_all();
      }
      const int fd = peers[i].fd;
      std::erase_if(held, [fd](const Held& h) { return h.fd == fd; });
      ::close(fd);
      peers.erase(peers.begin() + static_cast<std::ptrdiff_t>(i));
    }
    if (fds[0].revents) {
      const int fd = ::accept4(listener_.fd(), nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) peers.push_back({fd, {}});
    }
  }
  for (const Peer& p : peers) ::close(p.fd);
}

}  // namespace gateway::testing
