#include "tests/integration/http_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace gateway::testing {

namespace {

using Clock = std::chrono::steady_clock;

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

int httpRemainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

}  // namespace

std::string HttpReply::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequal(k, name)) return v;
  }
  return {};
}

bool HttpReply::has(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (iequal(k, name)) return true;
  }
  return false;
}

std::unique_ptr<HttpConnection> HttpConnection::open(const std::string& address, std::string& error,
                                                     std::chrono::milliseconds timeout) {
  const auto colon = address.rfind(':');
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  unsigned port = 0;
  if (colon == std::string::npos ||
      std::from_chars(address.data() + colon + 1, address.data() + address.size(), port).ec != std::errc() ||
      ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr) != 1) {
    error = "bad address " + address;
    return nullptr;
  }
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return nullptr;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 && errno != EINPROGRESS) {
    error = "connect " + address + ": " + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) {
    error = "connect " + address + ": timed out";
    ::close(fd);
    return nullptr;
  }
  int soError = 0;
  socklen_t len = sizeof soError;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len);
  if (soError != 0) {
    error = "connect " + address + ": " + std::strerror(soError);
    ::close(fd);
    return nullptr;
  }
  return std::unique_ptr<HttpConnection>(new HttpConnection(fd, address));
}

HttpConnection::~HttpConnection() { ::close(fd_); }

void HttpConnection::shutdownWrite() { ::shutdown(fd_, SHUT_WR); }

bool HttpConnection::send(std::string_view bytes) {
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, httpRemainingMs(deadline)) != 1) return false;
      continue;
    }
    return false;
  }
  return true;
}

bool HttpConnection::fill(Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, httpRemainingMs(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char buf[16384];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
    return true;
  }
}

std::optional<HttpReply> HttpConnection::read(std::chrono::milliseconds timeout, bool headRequest) {
  const auto deadline = Clock::now() + timeout;
  std::size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill(deadline)) return std::nullopt;
  }
  HttpReply reply;
  const std::string head = buffer_.substr(0, end + 2);
  buffer_.erase(0, end + 4);
  std::size_t pos = head.find("\r\n");
  const std::string statusLine = head.substr(0, pos);
  if (statusLine.size() < 12 || statusLine.compare(0, 5, "HTTP/") != 0) return std::nullopt;
  reply.status = std::atoi(statusLine.c_str() + 9);
  pos += 2;
  while (pos < head.size()) {
    const auto eol = head.find("\r\n", pos);
    const std::string line = head.substr(pos, eol - pos);
    pos = eol + 2;
    const auto colon = line.find(':');
    if (colon == std::string::npos) return std::nullopt;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    reply.headers.emplace_back(line.substr(0, colon), value);
  }
  if (headRequest || reply.status / 100 == 1 || reply.status == 204 || reply.status == 304) return reply;
  if (iequal(reply.header("transfer-encoding"), "chunked")) {
    reply.chunked = true;
    for (;;) {
      std::size_t eol;
      while ((eol = buffer_.find("\r\n")) == std::string::npos) {
        if (!fill(deadline)) return std::nullopt;
      }
      std::size_t size = 0;
      std::from_chars(buffer_.data(), buffer_.data() + eol, size, 16);
      buffer_.erase(0, eol + 2);
      while (buffer_.size() < size + 2) {
        if (!fill(deadline)) return std::nullopt;
      }
      reply.body.append(buffer_, 0, size);
      buffer_.erase(0, size + 2);
      if (size == 0) return reply;  // trailers are not expected in these tests
    }
  }
  if (reply.has("content-length")) {
    const std::size_t length = std::stoul(reply.header("content-length"));
    while (buffer_.size() < length) {
      if (!fill(deadline)) return std::nullopt;
    }
    reply.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return reply;
  }
  while (fill(deadline)) {
  }
  reply.body = std::move(buffer_);
  buffer_.clear();
  return reply;
}

bool HttpConnection::waitClosed(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, httpRemainingMs(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char buf[16384];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0 && errno != EAGAIN && errno != EINTR) return true;  // reset
  }
}

std::string buildRequest(std::string_view method, std::string_view target, std::string_view host,
                         const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body) {
  std::string out;
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host).append("\r\n");
  for (const auto& [k, v] : headers) out.append(k).append(": ").append(v).append("\r\n");
  if (!body.empty()) out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  out.append("\r\n").append(body);
  return out;
}

std::optional<HttpReply> HttpConnection::request(std::string_view method, std::string_view target,
                                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                                 std::string_view body, std::chrono::milliseconds timeout) {
  if (!send(buildRequest(method, target, address_, headers, body))) return std::nullopt;
  return read(timeout, method == "HEAD");
}

HttpReply fetch(const std::string& address, std::string_view method, std::string_view target,
                const std::vector<std::pair<std::string, std::string>>& headers, std::string_view body,
                std::chrono::milliseconds timeout) {
  std::string error;
  auto c = HttpConnection::open(address, error);
  if (!c) return HttpReply{0, {}, error};
  auto r = c->request(method, target, headers, body, timeout);
  if (!r) return HttpReply{0, {}, "no response from " + address};
  return *r;
}

}  // namespace gateway::testing
