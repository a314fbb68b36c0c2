#include "tests/integration/bulk_upstream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string_view>
#include <vector>

namespace gateway::testing {

namespace {

constexpr std::size_t kChunk = 64 * 1024;

// 26 x 2520 bytes of the pattern: a slice starting at (offset % 26) continues it correctly.
const std::string& patternBuffer() {
  static const std::string buffer = [] {
    std::string b(26 * 2520, 'a');
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = patternByte(i);
    return b;
  }();
  return buffer;
}

}  // namespace

struct BulkUpstream::Conn {
  int fd = -1;
  // Bytes read and not parsed yet: in[inPos...]. Consumed bytes are dropped in one go per read
  // batch, so a large backlog (a slow parser under sanitizers) is not moved once per chunk.
  std::string in;
  std::size_t inPos = 0;
  std::string_view pending() const { return std::string_view(in).substr(inPos); }
  void consume(std::size_t n) { inPos += n; }
  enum class Reading { kHead, kBody, kChunkSize, kChunkData, kChunkEnd, kTrailer } reading = Reading::kHead;
  std::string method, target;
  std::uint64_t bodyLeft = 0;
  std::uint64_t bodyCount = 0;
  bool patternOk = true;
  // The answer being written: framing bytes, then pattern bytes.
  bool writing = false;
  bool blocked = false;
  std::string out;
  std::size_t outOffset = 0;
  std::uint64_t patternLeft = 0, patternOffset = 0, chunkLeft = 0;
  bool chunked = false;
  bool answeredEarly = false;  // POST /bytes/N: answering while the request body still comes
};

BulkUpstream::BulkUpstream() : listener_(512, SOCK_NONBLOCK) { thread_ = std::thread([this] { serve(); }); }

BulkUpstream::~BulkUpstream() {
  listener_.stop();
  thread_.join();
}

bool BulkUpstream::waitIdle(std::uint64_t requests, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return idle_ && requests_.load() >= requests; });
}

void BulkUpstream::serve() {
  std::vector<std::unique_ptr<Conn>> conns;
  for (;;) {
    std::vector<pollfd> fds = {{listener_.fd(), POLLIN, 0}, {listener_.stopFd(), POLLIN, 0}};
    for (const auto& c : conns) fds.push_back({c->fd, static_cast<short>(POLLIN | (c->writing ? POLLOUT : 0)), 0});
    if (::poll(fds.data(), fds.size(), 1000) < 0) continue;
    if (fds[1].revents) break;
    const std::size_t polled = conns.size();  // connections accepted below wait for the next poll
    if (fds[0].revents) {
      for (int fd; (fd = ::accept4(listener_.fd(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0;) {
        conns.push_back(std::make_unique<Conn>());
        conns.back()->fd = fd;
      }
    }
    for (std::size_t i = 0; i < polled; ++i) {
      Conn& c = *conns[i];
      const short revents = fds[i + 2].revents;
      bool alive = true;
      if (revents & (POLLIN | POLLHUP | POLLERR)) {
        char buf[64 * 1024];
        for (;;) {
          const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
          if (n > 0) {
            bytesReceived_.fetch_add(static_cast<std::uint64_t>(n));
            if (c.inPos > 0) {
              c.in.erase(0, c.inPos);
              c.inPos = 0;
            }
            c.in.append(buf, static_cast<std::size_t>(n));
            continue;
          }
          if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) alive = false;
          if (n < 0 && errno == EINTR) continue;
          break;
        }
        if (alive) onReadable(c);
      }
      if (alive && c.writing && (revents & POLLOUT)) alive = onWritable(c);
      if (!alive) {
        ::close(c.fd);
        conns[i].reset();
      }
    }
    conns.erase(std::remove(conns.begin(), conns.end(), nullptr), conns.end());
    const bool idle = std::all_of(conns.begin(), conns.end(), [](const auto& c) { return !c->writing || c->blocked; });
    {
      std::lock_guard lock(mutex_);
      idle_ = idle;
    }
    changed_.notify_all();
  }
  for (auto& c : conns) ::close(c->fd);
}

void BulkUpstream::startAnswer(Conn& c) {
  requests_.fetch_add(1);
  c.writing = true;
  c.blocked = false;
  c.outOffset = 0;
  c.patternOffset = 0;
  c.chunkLeft = 0;
  if (c.method == "POST" && c.target == "/count") {
    const std::string body = "{\"bytes\": " + std::to_string(c.bodyCount) +
                             ", \"pattern_ok\": " + (c.patternOk ? "true" : "false") + "}";
    c.out = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\n\r\n" + body;
    c.patternLeft = 0;
    c.chunked = false;
  } else if (c.target.rfind("/bytes/", 0) == 0) {
    const std::string rest = c.target.substr(7);
    c.patternLeft = std::stoull(rest);
    c.chunked = rest.find("chunked=1") != std::string::npos;
    c.out = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n";
    c.out += c.chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "Content-Length: " + std::to_string(c.patternLeft) + "\r\n\r\n";
    if (c.chunked && c.patternLeft == 0) c.out += "0\r\n\r\n";
  } else {
    c.out = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
    c.patternLeft = 0;
    c.chunked = false;
  }
}

void BulkUpstream::onReadable(Conn& c) {
  // A request body answered early is read (and dropped) while its answer goes out.
  while (!c.writing || c.answeredEarly) {
    if (c.answeredEarly && c.reading == Conn::Reading::kHead) return;  // the next request waits
    switch (c.reading) {
      case Conn::Reading::kHead: {
        const auto end = c.pending().find("\r\n\r\n");
        if (end == std::string::npos) return;
        const std::string head(c.pending().substr(0, end + 2));
        c.consume(end + 4);
        const auto sp1 = head.find(' ');
        const auto sp2 = head.find(' ', sp1 + 1);
        c.method = head.substr(0, sp1);
        c.target = head.substr(sp1 + 1, sp2 - sp1 - 1);
        c.bodyCount = 0;
        c.patternOk = true;
        std::string lower(head);
        std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
        const auto cl = lower.find("\r\ncontent-length:");
        if (lower.find("\r\ntransfer-encoding: chunked") != std::string::npos) {
          c.reading = Conn::Reading::kChunkSize;
        } else if (cl != std::string::npos) {
          c.bodyLeft = std::stoull(head.substr(cl + 17));
          c.reading = Conn::Reading::kBody;
        } else {
          c.bodyLeft = 0;
          c.reading = Conn::Reading::kBody;
        }
        if (c.method == "POST" && c.target.rfind("/bytes/", 0) == 0) {
          c.answeredEarly = true;
          startAnswer(c);
          if (!onWritable(c)) return;
        }
        break;
      }
      case Conn::Reading::kBody:
      case Conn::Reading::kChunkData: {
        const std::string_view data = c.pending();
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(c.bodyLeft, data.size()));
        for (std::size_t i = 0; i < n && c.patternOk; ++i) {
          if (data[i] != patternByte(c.bodyCount + i)) c.patternOk = false;
        }
        c.bodyCount += n;
        c.bodyLeft -= n;
        c.consume(n);
        if (c.bodyLeft > 0) return;
        if (c.reading == Conn::Reading::kChunkData) {
          c.reading = Conn::Reading::kChunkEnd;
          break;
        }
        c.reading = Conn::Reading::kHead;
        if (c.answeredEarly) {
          c.answeredEarly = false;
          if (!c.writing) continue;  // its answer is already out: on to the next request
          return;
        }
        startAnswer(c);
        if (!onWritable(c)) return;
        break;
      }
      case Conn::Reading::kChunkSize: {
        const auto eol = c.pending().find("\r\n");
        if (eol == std::string::npos) return;
        c.bodyLeft = std::stoull(std::string(c.pending().substr(0, eol)), nullptr, 16);
        c.consume(eol + 2);
        c.reading = c.bodyLeft == 0 ? Conn::Reading::kTrailer : Conn::Reading::kChunkData;
        break;
      }
      case Conn::Reading::kChunkEnd:
      case Conn::Reading::kTrailer: {
        if (c.pending().size() < 2) return;
        c.consume(2);  // the CRLF after a chunk, or the empty trailer
        if (c.reading == Conn::Reading::kChunkEnd) {
          c.reading = Conn::Reading::kChunkSize;
        } else {
          c.reading = Conn::Reading::kBody;  // a finished body: answered by the kBody case
          c.bodyLeft = 0;
        }
        break;
      }
    }
  }
}

bool BulkUpstream::onWritable(Conn& c) {
  const std::string& pattern = patternBuffer();
  for (;;) {
    const char* data = nullptr;
    std::size_t size = 0;
    bool fromPattern = false;
    if (c.outOffset < c.out.size()) {
      data = c.out.data() + c.outOffset;
      size = c.out.size() - c.outOffset;
    } else if (c.patternLeft > 0) {
      if (c.chunked && c.chunkLeft == 0) {
        c.chunkLeft = std::min<std::uint64_t>(c.patternLeft, kChunk);
        char header[32];
        const int n = std::snprintf(header, sizeof header, "%llx\r\n", static_cast<unsigned long long>(c.chunkLeft));
        c.out.assign(header, static_cast<std::size_t>(n));
        c.outOffset = 0;
        continue;
      }
      const std::size_t start = static_cast<std::size_t>(c.patternOffset % 26);
      std::uint64_t limit = c.chunked ? c.chunkLeft : c.patternLeft;
      size = static_cast<std::size_t>(std::min<std::uint64_t>(limit, pattern.size() - start));
      data = pattern.data() + start;
      fromPattern = true;
    } else {
      c.writing = false;  // the answer is out: the next request, if it is there
      c.out.clear();
      c.outOffset = 0;
      onReadable(c);
      return true;
    }
    const ssize_t n = ::send(c.fd, data, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        c.blocked = true;
        return true;
      }
      return false;
    }
    c.blocked = false;
    const auto sent = static_cast<std::size_t>(n);
    if (!fromPattern) {
      c.outOffset += sent;
      continue;
    }
    bytesSent_.fetch_add(sent);
    c.patternOffset += sent;
    c.patternLeft -= sent;
    if (c.chunked) {
      c.chunkLeft -= sent;
      if (c.chunkLeft == 0) {
        c.out = c.patternLeft == 0 ? "\r\n0\r\n\r\n" : "\r\n";
        c.outOffset = 0;
      }
    }
  }
}

}  // namespace gateway::testing
