#include "libgateway/net/http_session.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <optional>
#include <vector>

#include <boost/beast/core/flat_buffer.hpp>
#include <fmt/format.h>

#include "libgateway/net/asio_context.h"
#include "libgateway/net/http_wire.h"
#include "libgateway/net/request_parser.h"

namespace gateway::net {

namespace http = boost::beast::http;
using boost::system::error_code;

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr Duration kLingerQuiet = millis(500);  // lingering ends after this long without data
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace

WorkerContext::WorkerContext(EventLoop& l, HttpHandler& h, BodyPacer* p, const HttpLimits& lim,
                             std::shared_ptr<ConnectionStats> s)
    : loop(l), io(ioContext(l)), poller(fdPoller(l)), handler(h), pacer(p), limits(lim), stats(std::move(s)) {}

// One client connection, on a raw non-blocking socket registered once with the loop's
// edge-triggered FdPoller. Readiness is tracked here (NGINX's ready flags): reads happen only
// when the socket may have data and stop at a short read, writes are sent at once and wait
// for EPOLLOUT only when the socket is full. pump() is the single, non-reentrant driver:
// read what is there, write the answers that are ready in order, parse and dispatch requests.
class Session final : public ServerConnection,
                      public Expirable,
                      public FdWatcher,
                      public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<WorkerContext> ctx, int fd, std::string clientAddress)
      : Expirable(ctx->loop.sweep()), ctx_(std::move(ctx)), fd_(fd), clientAddress_(std::move(clientAddress)) {
    // `active` was counted when the connection was accepted (the cap is checked there).
    ctx_->sessions.insert(this);
    ctx_->stats->accepted.fetch_add(1, std::memory_order_relaxed);
  }

  ~Session() override {
    ctx_->sessions.erase(this);
    if (!closed_) {
      ctx_->stats->active.fetch_sub(1, std::memory_order_relaxed);
      ctx_->poller.remove(fd_);
      ::close(fd_);
    }
  }

  void start() {
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (!ctx_->poller.add(fd_, this)) return close();
    self_ = shared_from_this();  // registered: alive until close()
    if (!ctx_->handler.acceptConnection()) return reset();
    readReady_ = true;  // the first request may already be waiting
    pump();
  }

  void onEvents(std::uint32_t events) override {
    if (closed_) return;
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) peerFin_ = true;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) readReady_ = true;
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) writeReady_ = true;
    if (writeBlocked_ && writeReady_) continueWrite();
    if (!closed_) pump();
  }

  void respond(std::uint64_t sequence, Response response) override {
    if (closed_ || slots_.empty()) return;
    const std::uint64_t front = slots_.front().sequence;
    if (sequence < front || sequence - front >= slots_.size()) return;
    Slot& slot = slots_[sequence - front];
    if (slot.ready) return;
    slot.response = std::move(response);
    slot.ready = true;
    if (sequence == front) pump();
  }

  void reset() override {
    if (closed_) return;
    const linger hard{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    close();
  }

  // Graceful shutdown: finish what was asked, then close; idle connections close now.
  void drain() {
    draining_ = true;
    if (closed_ || lingering_) return;
    if (partialRequest()) return;  // it completes, is answered with Connection: close
    readStopped_ = true;
    if (slots_.empty() && !writeBlocked_) close();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    if (pacingTimer_) ctx_->loop.scheduler().cancel(pacingTimer_);
    pacingTimer_ = 0;
    ctx_->stats->active.fetch_sub(1, std::memory_order_relaxed);
    setDeadline(kNever);
    ctx_->poller.remove(fd_);
    ::close(fd_);
    slots_.clear();
    // Events of this batch may still name us: let go of ourselves only afterwards.
    if (self_) ctx_->loop.post([self = std::move(self_)] {});
  }

 private:
  struct Slot {
    std::uint64_t sequence = 0;
    bool ready = false;
    bool head = false;        // answer to HEAD: no body on the wire
    bool keepAlive = true;    // false: the last answer on this connection
    bool http10 = false;      // HTTP/1.0 keep-alive client: say so explicitly
    Response response;
  };

  bool partialRequest() const { return parser_ && parser_->got_some(); }

  bool wantRead() const {
    if (closed_) return false;
    if (lingering_) return true;
    return !readStopped_ && !peerClosed_ && slots_.size() < ctx_->limits.maxPipelined && buffer_.size() < bufferCap();
  }

  std::size_t bufferCap() const { return ctx_->limits.maxUrlBytes + ctx_->limits.maxHeaderBytes + 2048 + kReadChunk; }

  void pump() {
    if (pumping_) {
      repump_ = true;
      return;
    }
    const auto self = shared_from_this();  // handlers may drop the last other reference
    pumping_ = true;
    for (;;) {
      do {
        repump_ = false;
        if (readReady_ && wantRead()) readAvailable();
        if (closed_) break;
        writeReady();
        if (closed_ || lingering_) break;
        parseBuffered();
      } while (repump_ && !closed_);
      if (closed_) break;
      if (!lingering_ && !writeBlocked_ && slots_.empty() && (peerClosed_ || (readStopped_ && !partialRequest()))) {
        // Nothing left to answer and nothing more will be read.
        if (peerClosed_) {
          close();
          break;
        }
        finishConnection();
      }
      if (!(readReady_ && wantRead())) break;
    }
    pumping_ = false;
    updateDeadline();
  }

  // Reads until the socket is drained (a short read or EAGAIN), a bound is hit, or EOF.
  void readAvailable() {
    for (int round = 0; round < 4; ++round) {
      if (!lingering_ && buffer_.size() >= bufferCap()) return;  // still ready: resumed later
      const RecvStep step = recvInto(fd_, buffer_, kReadChunk, peerFin_);
      if (step == RecvStep::kMore || step == RecvStep::kDrained) {
        if (lingering_ || readStopped_) {
          buffer_.consume(buffer_.size());  // after our final answer: nothing more is served
          if (lingering_) setDeadline(std::min(lingerUntil_, ctx_->loop.sweep().coarseNow() + kLingerQuiet));
        }
        if (step == RecvStep::kMore) continue;
      }
      if (step == RecvStep::kError) return close();
      readReady_ = false;
      if (step == RecvStep::kEof) return onEof();
      return;  // drained, or nothing to read
    }
    // Still readable after a few rounds: come back after the other sockets had their turn.
    ctx_->loop.post([self = shared_from_this()] {
      if (!self->closed_) self->pump();
    });
  }

  void onEof() {
    if (lingering_) return close();
    // The client half-closed: what it sent is still parsed and answered, then we close.
    peerClosed_ = true;
  }

  // Parses as many complete requests as the buffer and the pipelining bound allow.
  void parseBuffered() {
    while (!closed_ && !readStopped_ && buffer_.size() > 0 && slots_.size() < ctx_->limits.maxPipelined) {
      if (!parser_) {
        parser_.emplace(ctx_->limits);
        requestStart_ = ctx_->loop.sweep().coarseNow();
        continueSent_ = false;
      }
      const char* data = static_cast<const char*>(buffer_.data().data());
      const std::string_view bytes(data, buffer_.size());
      if (!parser_->is_header_done() && hasObsFold(bytes)) {
        return reject({400, "bad_field", "obsolete line folding in the header is not accepted"});
      }
      error_code ec;
      const std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == http::error::need_more) break;
      if (ec) return reject(failureFor(ec, bytes));
      if (parser_->is_done()) {
        dispatch();
        continue;
      }
      if (parser_->is_header_done() && parser_->expectsContinue() && !continueSent_) sendContinue();
      if (used == 0) break;
    }
    if (!closed_ && !readStopped_ && parser_ && !parser_->is_header_done() &&
        buffer_.size() > ctx_->limits.maxUrlBytes + ctx_->limits.maxHeaderBytes + 2048) {
      reject(failureFor(http::error::header_limit, {static_cast<const char*>(buffer_.data().data()), buffer_.size()}));
    }
    // The client closed in the middle of a request: it can never complete.
    if (!closed_ && peerClosed_ && partialRequest() && slots_.size() < ctx_->limits.maxPipelined) close();
  }

  static bool hasObsFold(std::string_view bytes) {
    const auto end = bytes.find("\r\n\r\n");
    const std::string_view head = end == std::string_view::npos ? bytes : bytes.substr(0, end + 2);
    return head.find("\r\n ") != std::string_view::npos || head.find("\r\n\t") != std::string_view::npos;
  }

  RequestFailure failureFor(const error_code& ec, std::string_view bytes) const {
    RequestFailure f = parser_->failure(ec);
    if (ec == http::error::header_limit && f.status == 431) {
      // Beast stops at its header limit before seeing the request line end: a target that
      // long is a 414, not a 431.
      const auto eol = bytes.find("\r\n");
      if (eol == std::string_view::npos || eol > ctx_->limits.maxUrlBytes + 16) {
        f = {414, "uri_too_long", fmt::format("the request target exceeds {} bytes", ctx_->limits.maxUrlBytes)};
      }
    }
    return f;
  }

  void dispatch() {
    Request request = std::move(parser_->request());
    const bool keepAlive = parser_->keep_alive() && !draining_;
    const bool http10 = parser_->version() == 10;
    parser_.reset();
    if (!keepAlive) readStopped_ = true;
    Slot& slot = slots_.emplace_back();
    slot.sequence = nextSequence_++;
    slot.head = request.method == "HEAD";
    slot.keepAlive = keepAlive;
    slot.http10 = http10 && keepAlive;
    const std::uint64_t sequence = slot.sequence;
    request.clientAddress = clientAddress_;
    ctx_->stats->requests.fetch_add(1, std::memory_order_relaxed);
    ctx_->handler.handle(std::move(request), ResponseSink(shared_from_this(), sequence));
  }

  void reject(RequestFailure failure) {
    ctx_->stats->countRejection(failure.status);
    ctx_->handler.onRejected(failure, clientAddress_);
    parser_.reset();
    readStopped_ = true;
    Slot& slot = slots_.emplace_back();
    slot.sequence = nextSequence_++;
    slot.ready = true;
    slot.keepAlive = false;
    slot.response = errorResponse(failure.status, failure.code, failure.message);
    repump_ = true;  // parseBuffered runs inside pump(): it writes the answer next
  }

  void sendContinue() {
    continueSent_ = true;
    // Interim answers may only go out when nothing else is on the wire before them.
    if (writeBlocked_ || !slots_.empty()) return;
    head_.assign(kContinue);
    outBody_ = {};
    outOffset_ = 0;
    continueWrite_ = true;
    writeBlocked_ = true;
    continueWrite();
  }

  // Sends the pending output (head_ + outBody_ from outOffset_). Returns true when all of it
  // went out; false when the socket is full (writeBlocked_ stays set) or was closed.
  bool flushOutput() {
    while (true) {
      const long n = sendHeadAndBody(fd_, head_, outBody_, outOffset_);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          writeReady_ = false;
          return false;
        }
        close();
        return false;
      }
      outOffset_ += static_cast<std::size_t>(n);
      if (outOffset_ == head_.size() + outBody_.size()) return true;
      writeReady_ = false;  // a short write: the socket buffer is full
      return false;
    }
  }

  // Writes the answers that are ready, in order, as far as the socket takes them.
  void writeReady() {
    while (!writeBlocked_ && !closed_ && !lingering_ && !slots_.empty() && slots_.front().ready) {
      Slot& slot = slots_.front();
      const bool last = !slot.keepAlive || (draining_ && slots_.size() == 1 && !partialRequest());
      head_.clear();
      writeResponseHead(head_, slot.response, {slot.head, last, slot.http10 && !last});
      outBody_ = responseHasNoBody(slot.response.status, slot.head) ? std::string_view() : std::string_view(slot.response.body);
      outOffset_ = 0;
      if (ctx_->pacer && !outBody_.empty()) startPacing(slot.response);
      closeAfterWrite_ = last;
      writeBlocked_ = true;
      if (!writeReady_ || !flushOutput()) {
        if (!closed_) setDeadline(ctx_->loop.sweep().coarseNow() + ctx_->limits.writeTimeout);
        return;
      }
      if (!outputSent()) return;  // a paced body goes on from its timer
      if (last) return finishConnection();
    }
  }

  // Asks the pacer about the front answer; when paced, only its head goes out now.
  void startPacing(const Response& response) {
    auto pacing = ctx_->pacer->pacing(response);
    if (!pacing || pacing->bytesPerSecond == 0) return;
    pacing_ = *pacing;
    pacing_->sliceBytes = std::max<std::size_t>(1, pacing_->sliceBytes);
    pacedBody_ = outBody_;
    pacedSent_ = 0;
    pacingStart_ = ctx_->loop.clock().now();
    outBody_ = {};
  }

  // The pending output went out. True when the front answer is complete (it is popped);
  // false while a paced body still has slices to send (the next one is scheduled).
  bool outputSent() {
    if (pacing_ && pacedSent_ < pacedBody_.size()) {
      const std::uint64_t upTo = pacedSent_ + std::min(pacing_->sliceBytes, pacedBody_.size() - pacedSent_);
      // Measured from the head, so late timers do not add up over the slices.
      const auto at = pacingStart_ + static_cast<Duration>((upTo * 1'000'000 + pacing_->bytesPerSecond - 1) /
                                                           pacing_->bytesPerSecond);
      setDeadline(kNever);  // waiting for our own timer, not for the client
      pacingTimer_ = ctx_->loop.scheduler().schedule(at, [weak = weak_from_this()] {
        if (auto self = weak.lock()) self->sendSlice();
      });
      return false;
    }
    pacing_.reset();
    pacedBody_ = {};
    writeBlocked_ = false;
    slots_.pop_front();
    return true;
  }

  // The pacing timer fired: the next slice of the front answer's body.
  void sendSlice() {
    pacingTimer_ = 0;
    if (closed_ || !pacing_) return;
    const std::size_t slice = std::min(pacing_->sliceBytes, pacedBody_.size() - pacedSent_);
    head_.clear();
    outBody_ = pacedBody_.substr(pacedSent_, slice);
    outOffset_ = 0;
    pacedSent_ += slice;
    if (!writeReady_ || !flushOutput()) {
      if (!closed_) setDeadline(ctx_->loop.sweep().coarseNow() + ctx_->limits.writeTimeout);
      return;  // continueWrite() finishes the slice when the socket drains
    }
    if (outputSent() && closeAfterWrite_) finishConnection();
    if (!closed_) pump();  // later answers, reads held back by the pipelining bound
  }

  // The socket became writable again: finish the blocked answer.
  void continueWrite() {
    if (!flushOutput()) return;
    if (continueWrite_) {
      writeBlocked_ = false;
      continueWrite_ = false;
      return;
    }
    if (outputSent() && closeAfterWrite_) finishConnection();
  }

  // After the final answer: half-close, then read and drop what the client still sends
  // (lingering close), so a client mid-upload gets our answer rather than a reset.
  void finishConnection() {
    if (closed_ || lingering_) return;
    if (peerClosed_) return close();
    if (::shutdown(fd_, SHUT_WR) != 0) return close();
    lingering_ = true;
    readStopped_ = true;
    const TimePoint now = ctx_->loop.sweep().coarseNow();
    lingerUntil_ = now + ctx_->limits.lingerTimeout;
    setDeadline(std::min(lingerUntil_, now + kLingerQuiet));
    if (!pumping_ && readReady_) readAvailable();
  }

  void updateDeadline() {
    if (closed_ || lingering_ || writeBlocked_) return;  // the write deadline is set when the write blocked
    // Deadlines are checked by the sweep at its period: its coarse time is precise enough.
    const TimePoint now = ctx_->loop.sweep().coarseNow();
    const HttpLimits& l = ctx_->limits;  // the write deadline is set when the write blocked
    if (partialRequest()) setDeadline(requestStart_ + (parser_->is_header_done() ? l.headerTimeout + l.bodyTimeout : l.headerTimeout));
    else if (!slots_.empty()) setDeadline(kNever);  // waiting for answers; routes have deadlines
    else setDeadline(now + l.idleTimeout);
  }

  void onExpired() override {
    if (closed_) return;
    if (lingering_ || writeBlocked_ || !partialRequest()) return close();
    reject({408, "request_timeout", "the request did not arrive in time"});
    pump();
  }

  std::shared_ptr<WorkerContext> ctx_;
  int fd_;
  std::shared_ptr<Session> self_;
  boost::beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::deque<Slot> slots_;
  std::uint64_t nextSequence_ = 0;
  std::string head_;           // the head being written (or the interim 100 Continue)
  std::string_view outBody_;   // the body being written: the front slot's
  std::size_t outOffset_ = 0;  // bytes of head_ + outBody_ already sent
  std::optional<BodyPacing> pacing_;  // the front answer's body is paced
  std::string_view pacedBody_;        // all of it (the front slot's)
  std::size_t pacedSent_ = 0;         // bytes of it handed to outBody_ so far
  TimePoint pacingStart_ = 0;         // when its head went out
  TimerId pacingTimer_ = 0;
  std::string clientAddress_;
  TimePoint requestStart_ = 0;
  TimePoint lingerUntil_ = 0;
  bool readReady_ = false;
  bool writeReady_ = true;
  bool peerFin_ = false;
  bool writeBlocked_ = false;
  bool pumping_ = false;
  bool repump_ = false;
  bool readStopped_ = false;
  bool peerClosed_ = false;
  bool closeAfterWrite_ = false;
  bool continueSent_ = false;
  bool continueWrite_ = false;
  bool lingering_ = false;
  bool draining_ = false;
  bool closed_ = false;
};

void startSession(const std::shared_ptr<WorkerContext>& ctx, int fd, std::string clientAddress) {
  if (ctx->draining) {
    ctx->stats->active.fetch_sub(1, std::memory_order_relaxed);
    ::close(fd);
    return;
  }
  std::make_shared<Session>(ctx, fd, std::move(clientAddress))->start();
}

void endSessions(WorkerContext& ctx, bool closeNow) {
  ctx.draining = true;
  // drain() and close() may end (and so erase) sessions: walk a copy.
  std::vector<Session*> sessions(ctx.sessions.begin(), ctx.sessions.end());
  for (Session* s : sessions) {
    if (!ctx.sessions.contains(s)) continue;
    if (closeNow) s->close();
    else s->drain();
  }
}

}  // namespace gateway::net
