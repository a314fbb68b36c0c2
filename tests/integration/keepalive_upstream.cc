#include "tests/integration/keepalive_upstream.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

namespace gateway::testing {

std::size_t wholeRequestLength(const std::string& in) {
  const auto end = in.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  std::string head = in.substr(0, end);
  std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
  std::size_t length = 0;
  const auto cl = head.find("\r\ncontent-length:");
  if (cl != std::string::npos) length = std::stoul(head.substr(cl + 17));
  const std::size_t total = end + 4 + length;
  return in.size() >= total ? total : 0;
}

KeepAliveUpstream::KeepAliveUpstream(std::vector<UpstreamStep> script) : script_(std::move(script)) {
  thread_ = std::thread([this] { serve(); });
}

KeepAliveUpstream::~KeepAliveUpstream() {
  listener_.stop();
  thread_.join();
}

bool KeepAliveUpstream::answer(Peer& peer) {
  while (const std::size_t n = wholeRequestLength(peer.in)) {
    peer.in.erase(0, n);
    const std::uint64_t i = requests_.fetch_add(1);
    const UpstreamStep& step = script_[std::min<std::uint64_t>(i, script_.size() - 1)];
    std::size_t sent = 0;
    while (sent < step.bytes.size()) {
      const ssize_t w = ::send(peer.fd, step.bytes.data() + sent, step.bytes.size() - sent, MSG_NOSIGNAL);
      if (w <= 0) return false;
      sent += static_cast<std::size_t>(w);
    }
    if (step.closeAfter) return false;
  }
  return true;
}

void KeepAliveUpstream::serve() {
  std::vector<Peer> peers;
  for (;;) {
    std::vector<pollfd> fds{{listener_.fd(), POLLIN, 0}, {listener_.stopFd(), POLLIN, 0}};
    for (const Peer& p : peers) fds.push_back({p.fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0) continue;
    if (fds[1].revents) break;
    for (std::size_t i = peers.size(); i-- > 0;) {
      if (!fds[i + 2].revents) continue;
      char buf[8192];
      const ssize_t n = ::read(peers[i].fd, buf, sizeof buf);
      bool keep = n > 0;
      if (keep) {
        peers[i].in.append(buf, static_cast<std::size_t>(n));
        keep = answer(peers[i]);
      }
      if (!keep) {
        ::close(peers[i].fd);
        peers.erase(peers.begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
    if (fds[0].revents) {
      const int fd = ::accept4(listener_.fd(), nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        connections_.fetch_add(1);
        peers.push_back({fd, {}});
      }
    }
  }
  for (const Peer& p : peers) ::close(p.fd);
}

}  // namespace gateway::testing
