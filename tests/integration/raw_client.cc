#include "tests/integration/raw_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdlib>

namespace gateway::testing {

namespace {

using Clock = std::chrono::steady_clock;

int rawMsLeft(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

RawClient::RawClient(const std::string& address, int receiveBuffer) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) return;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  unsigned port = 0;
  std::from_chars(address.data() + colon + 1, address.data() + address.size(), port);
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr) != 1) return;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  if (receiveBuffer > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
  // Loopback connects at once (or is refused): blocking is bounded here.
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return;
  }
  fd_ = fd;
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

RawClient::~RawClient() {
  if (fd_ >= 0) ::close(fd_);
}

std::uint16_t RawClient::localPort() const {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0) return 0;
  return ntohs(sa.sin_port);
}

ssize_t RawClient::sendSome(std::string_view bytes) {
  const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  if (n >= 0) return n;
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
}

bool RawClient::sendAll(std::string_view bytes, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!bytes.empty()) {
    const ssize_t n = sendSome(bytes);
    if (n < 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
    if (bytes.empty()) break;
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, rawMsLeft(deadline)) != 1) return false;
  }
  return true;
}

bool RawClient::waitWritable(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLOUT, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1 && (p.revents & POLLOUT);
}

RawClient::Event RawClient::waitHangup(std::chrono::milliseconds timeout) {
  pollfd p{fd_, 0, 0};  // no events asked: only an error or a hang-up wakes the poll
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return Event::kNothing;
  if (p.revents & POLLERR) return Event::kReset;
  int error = 0;
  socklen_t len = sizeof error;
  ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &len);
  return error != 0 ? Event::kReset : Event::kEof;
}

RawClient::Event RawClient::read(std::string& in, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      in.append(buf, static_cast<std::size_t>(n));
      return Event::kData;
    }
    if (n == 0) return Event::kEof;
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return Event::kReset;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, rawMsLeft(deadline)) != 1) return Event::kNothing;
  }
}

RawClient::Event RawClient::readToEnd(std::string& in, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const Event e = read(in, std::chrono::milliseconds(rawMsLeft(deadline)));
    if (e != Event::kData) return e;
  }
}

std::optional<HttpReply> takeResponse(std::string& in) {
  const auto end = in.find("\r\n\r\n");
  if (end == std::string::npos || in.compare(0, 5, "HTTP/") != 0 || end < 12) return std::nullopt;
  HttpReply reply;
  reply.status = std::atoi(in.c_str() + 9);
  std::size_t length = 0;
  for (std::size_t pos = in.find("\r\n") + 2; pos < end;) {
    const auto eol = in.find("\r\n", pos);
    const std::string_view line(in.data() + pos, eol - pos);
    pos = eol + 2;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    reply.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  const std::string cl = reply.header("Content-Length");
  if (!cl.empty()) length = std::stoul(cl);
  if (in.size() < end + 4 + length) return std::nullopt;
  reply.body = in.substr(end + 4, length);
  in.erase(0, end + 4 + length);
  return reply;
}

}  // namespace gateway::testing
