#include "libgateway/net/http_session.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <vector>

#include <boost/beast/core/flat_buffer.hpp>

#include "libgateway/net/asio_context.h"
#include "libgateway/net/answer_queue.h"
#include "libgateway/net/http_wire.h"
#include "libgateway/net/request_parser.h"
#include "libgateway/net/session_timers.h"

namespace gateway::net {

namespace http = boost::beast::http;
using boost::system::error_code;

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr Duration kLingerQuiet = millis(500);  // lingering ends after this long without data

}  // namespace

WorkerContext::WorkerContext(EventLoop& l, HttpHandler& h, const HttpLimits& lim, std::shared_ptr<ConnectionStats> s)
    : loop(l), io(ioContext(l)), poller(fdPoller(l)), handler(h), limits(lim), stats(std::move(s)) {}

// One client connection, on a raw non-blocking socket registered once with the loop's
// edge-triggered FdPoller. Readiness is tracked here (NGINX's ready flags): reads happen only
// when the socket may have data and stop at a short read, writes are sent at once and wait
// for EPOLLOUT only when the socket is full. pump() is the single, non-reentrant driver:
// read what is there, write the answers that are ready in order, parse and dispatch requests.
// Bodies stream both ways: a long request body is handed to the handler as a BodyStream that
// this session fills as bytes arrive (reading stops while the stream is full), and an answer
// with a stream is written as its bytes come (chunked when its length is unknown).
class Session final : public ServerConnection,
                      public Expirable,
                      public FdWatcher,
                      public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<WorkerContext> ctx, int fd, std::string clientAddress)
      : Expirable(ctx->loop.sweep()), ctx_(std::move(ctx)), fd_(fd),
        timers_(ctx_->limits, ctx_->loop.sweep().coarseNow()), clientAddress_(std::move(clientAddress)) {
    // `active` was counted when the connection was accepted (the cap is checked there).
    ctx_->sessions.insert(this);
    ctx_->stats->accepted.fetch_add(1, std::memory_order_relaxed);
  }

  ~Session() override {
    ctx_->sessions.erase(this);
    if (phase_ != Phase::kClosed) {
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
    if (phase_ == Phase::kClosed) return;
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) peerFin_ = true;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) readReady_ = true;
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) writeReady_ = true;
    pump();
  }

  void respond(std::uint64_t sequence, Response response) override {
    if (phase_ == Phase::kClosed) return;
    if (answers_.fill(sequence, std::move(response)) && answers_.frontIs(sequence)) pump();
  }

  void reset() override {
    if (phase_ == Phase::kClosed) return;
    const linger hard{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
    close();
  }

  // Graceful shutdown: finish what was asked, then close; idle connections close now.
  // What the client sent before the drain is read first, though its event may not have been
  // handled yet: a request already here is answered (the last answer says Connection: close)
  // rather than lost to a close that would reset it.
  void drain() {
    if (phase_ == Phase::kOpen && !draining_) {
      readReady_ = true;
      pump();
    }
    draining_ = true;
    if (phase_ != Phase::kOpen) return;
    if (partialRequest()) return;  // it completes, is answered with Connection: close
    readStopped_ = true;
    if (answers_.empty() && !answers_.writing()) close();
  }

  void close() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    ctx_->stats->active.fetch_sub(1, std::memory_order_relaxed);
    setDeadline(kNever);
    ctx_->poller.remove(fd_);
    ::close(fd_);
    // An upload cut short fails its stream; answers being written let go of theirs.
    if (auto upload = upload_.lock()) upload->fail("the client closed the connection mid-body");
    upload_.reset();
    answers_.clear();
    // Events of this batch may still name us: let go of ourselves only afterwards.
    if (self_) ctx_->loop.post([self = std::move(self_)] {});
  }

 private:
  enum class Phase { kOpen, kLingering, kClosed };

  bool closed() const { return phase_ == Phase::kClosed; }
  bool partialRequest() const { return parser_ && parser_->got_some(); }
  bool uploadFull() const {
    const auto upload = upload_.lock();
    return upload && upload->room() == 0;
  }

  bool wantRead() const {
    if (closed()) return false;
    if (phase_ == Phase::kLingering) return true;
    // An upload being streamed is read on whatever the pipelining bound (its own slot counts).
    const bool room = answers_.size() < ctx_->limits.maxPipelined || (parser_ && parser_->streaming());
    return !readStopped_ && !peerClosed_ && room && buffer_.size() < bufferCap() && !uploadFull();
  }

  std::size_t bufferCap() const { return ctx_->limits.maxUrlBytes + ctx_->limits.maxHeaderBytes + 2048 + kReadChunk; }

  // A pump from the loop, for callbacks (a stream's) that must not run one inline.
  void schedulePump() {
    if (pumpPosted_ || closed()) return;
    pumpPosted_ = true;
    ctx_->loop.post([weak = weak_from_this()] {
      if (auto self = weak.lock()) {
        self->pumpPosted_ = false;
        if (!self->closed()) self->pump();
      }
    });
  }

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
        if (closed()) break;
        writeReady();
        if (phase_ != Phase::kOpen) break;
        parseBuffered();
      } while (repump_ && !closed());
      if (closed()) break;
      if (phase_ == Phase::kOpen && !answers_.writing() && answers_.empty() &&
          (peerClosed_ || (readStopped_ && !partialRequest()))) {
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
      if (phase_ != Phase::kLingering && (buffer_.size() >= bufferCap() || uploadFull())) return;  // resumed later
      const RecvStep step = recvInto(fd_, buffer_, kReadChunk, peerFin_);
      if (step == RecvStep::kMore || step == RecvStep::kDrained) {
        if (phase_ == Phase::kLingering || readStopped_) {
          buffer_.consume(buffer_.size());  // after our final answer: nothing more is served
          if (phase_ == Phase::kLingering) setDeadline(std::min(lingerUntil_, ctx_->loop.sweep().coarseNow() + kLingerQuiet));
        }
        if (step == RecvStep::kMore) continue;
      }
      if (step == RecvStep::kError) return close();
      readReady_ = false;
      if (step == RecvStep::kEof) return onEof();
      return;  // drained, or nothing to read
    }
    // Still readable after a few rounds: come back after the other sockets had their turn.
    schedulePump();
  }

  void onEof() {
    if (phase_ == Phase::kLingering) return close();
    // The client half-closed: what it sent is still parsed and answered, then we close.
    peerClosed_ = true;
  }

  // Parses as many complete requests as the buffer, the pipelining bound and an upload's
  // stream allow.
  void parseBuffered() {
    while (!closed() && !readStopped_ && buffer_.size() > 0 && (parser_ || answers_.size() < ctx_->limits.maxPipelined)) {
      if (!parser_) {
        parser_.emplace(ctx_->limits);
        timers_.requestStarted(ctx_->loop.sweep().coarseNow());
        continueSent_ = false;
      }
      std::shared_ptr<BodyStream> upload;
      if (parser_->streaming()) {
        upload = upload_.lock();
        if (upload && upload->room() == 0) break;  // the upstream has not taken what it was given
        parser_->streamBody(upload.get());         // null: the reader went away, the rest is dropped
      }
      const char* data = static_cast<const char*>(buffer_.data().data());
      const std::string_view bytes(data, buffer_.size());
      if (!parser_->is_header_done() && RequestParser::hasObsFold(bytes)) {
        return reject({400, "bad_field", "obsolete line folding in the header is not accepted"});
      }
      error_code ec;
      const std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec && ec != http::error::need_more) return reject(parser_->failure(ec, bytes));
      if (parser_->is_done()) {
        if (parser_->streaming()) finishUpload();
        else dispatch();
        continue;
      }
      if (parser_->is_header_done()) {
        timers_.headerDone(ctx_->loop.sweep().coarseNow());
        if (parser_->expectsContinue() && !continueSent_) sendContinue();
        if (!parser_->streaming() && longBody()) startUpload();
      }
      if (ec == http::error::need_more || used == 0) break;
    }
    if (!closed() && !readStopped_ && parser_ && !parser_->is_header_done() &&
        buffer_.size() > ctx_->limits.maxUrlBytes + ctx_->limits.maxHeaderBytes + 2048) {
      const std::string_view bytes(static_cast<const char*>(buffer_.data().data()), buffer_.size());
      reject(parser_->failure(http::error::header_limit, bytes));
    }
    // The client closed in the middle of a request: it can never complete.
    if (!closed() && peerClosed_ && partialRequest() && answers_.size() < ctx_->limits.maxPipelined) close();
  }

  // A body too long to hold: declared longer than the streaming threshold, or of unknown
  // length and already past it.
  bool longBody() const {
    const std::size_t above = ctx_->limits.streamBodiesAbove;
    if (const auto length = parser_->content_length()) return *length > above;
    return parser_->chunked() && parser_->request().body.size() > above;
  }

  // Hands the request to the handler now, with its body as a stream this session fills.
  // If its reader goes away (a local answer, a failed upstream), the rest is read and dropped.
  void startUpload() {
    std::optional<std::uint64_t> length;
    if (const auto l = parser_->content_length()) length = *l;
    Request& request = parser_->request();
    auto stream = openBodyStream(length, request.body, [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->schedulePump();
    });
    parser_->streamBody(stream.get());
    upload_ = stream;
    uploadSequence_ = answers_.nextSequence();
    request.stream = std::move(stream);
    dispatch();
  }

  void finishUpload() {
    if (auto upload = upload_.lock()) upload->end();
    upload_.reset();
    parser_.reset();
    if (stopAfterUpload_ || draining_) readStopped_ = true;
  }

  void dispatch() {
    const bool streaming = parser_->streaming();
    Request request = std::move(parser_->request());
    const bool keepAlive = parser_->keep_alive() && !draining_;
    const bool http10 = parser_->version() == 10;
    if (!streaming) parser_.reset();  // an upload's parser goes on with the body
    if (!keepAlive) (streaming ? stopAfterUpload_ : readStopped_) = true;
    const std::uint64_t sequence = answers_.add(request.method == "HEAD", keepAlive, http10);
    request.clientAddress = clientAddress_;
    ctx_->stats->requests.fetch_add(1, std::memory_order_relaxed);
    ctx_->handler.handle(std::move(request), ResponseSink(shared_from_this(), sequence));
  }

  void reject(RequestFailure failure) {
    ctx_->stats->countRejection(failure.status);
    ctx_->handler.onRejected(failure, clientAddress_);
    const bool uploading = parser_ && parser_->streaming();
    parser_.reset();
    readStopped_ = true;
    if (uploading) {
      // The request was already handed on: its stream fails, and its own slot answers with
      // the refusal unless an answer is there already; the connection ends after it.
      if (auto upload = upload_.lock()) upload->fail(failure.message);
      upload_.reset();
      answers_.endWith(uploadSequence_, errorResponse(failure.status, failure.code, failure.message));
      repump_ = true;
      return;
    }
    answers_.addFinal(errorResponse(failure.status, failure.code, failure.message));
    repump_ = true;  // parseBuffered runs inside pump(): it writes the answer next
  }

  void sendContinue() {
    continueSent_ = true;
    // Interim answers may only go out when nothing else is on the wire before them.
    if (answers_.sendContinue()) repump_ = true;
  }

  // Writes what is ready, in order, as far as the socket (and a streamed body) allows.
  void writeReady() {
    if (closed() || phase_ != Phase::kOpen) return;
    if (!writeReady_) {
      if (answers_.writing()) blocked();
      return;
    }
    const auto onStream = [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->schedulePump();
    };
    switch (answers_.write(fd_, draining_ && !partialRequest(), onStream)) {
      case AnswerQueue::Step::kIdle: return;
      case AnswerQueue::Step::kBlocked:
        writeReady_ = false;
        return blocked();
      case AnswerQueue::Step::kStarved:
        timers_.writeWaiting();
        setDeadline(kNever);  // the upstream side times a stalled body out
        return;
      case AnswerQueue::Step::kFinal: return finishConnection();
      case AnswerQueue::Step::kStreamFailed: return reset();  // the head is out: only a reset tells the client the body was cut
      case AnswerQueue::Step::kSocketError: return close();
    }
  }

  void blocked() {
    // The client is not reading: the write timeout applies, from its last progress.
    setDeadline(timers_.writeBlocked(answers_.written(), ctx_->loop.sweep().coarseNow()));
  }

  // After the final answer: half-close, then read and drop what the client still sends
  // (lingering close), so a client mid-upload gets our answer rather than a reset.
  void finishConnection() {
    if (phase_ != Phase::kOpen) return;
    if (peerClosed_) return close();
    if (::shutdown(fd_, SHUT_WR) != 0) return close();
    if (auto upload = upload_.lock()) upload->fail("the gateway answered before the body was read");
    upload_.reset();
    phase_ = Phase::kLingering;
    readStopped_ = true;
    const TimePoint now = ctx_->loop.sweep().coarseNow();
    lingerUntil_ = now + ctx_->limits.lingerTimeout;
    setDeadline(std::min(lingerUntil_, now + kLingerQuiet));
    if (!pumping_ && readReady_) readAvailable();
  }

  void updateDeadline() {
    if (phase_ != Phase::kOpen) return;
    // Deadlines are checked by the sweep at its period: its coarse time is precise enough.
    const TimePoint now = ctx_->loop.sweep().coarseNow();
    const bool uploading = parser_ && parser_->streaming();
    if (uploading) timers_.uploadRoom(!uploadFull(), now);  // while full, the upstream sets the pace
    // A write in progress set its own deadline (or none, while a stream has nothing yet).
    if (answers_.writing()) return;
    if (uploading || (partialRequest() && parser_->is_header_done())) {
      setDeadline(timers_.bodyDeadline(parser_->bodyReceived()));
    } else if (partialRequest()) {
      setDeadline(timers_.headerDeadline());
    } else if (!answers_.empty()) {
      setDeadline(kNever);  // waiting for answers; routes have deadlines
    } else {
      setDeadline(timers_.idleDeadline(now));
    }
  }

  void onExpired() override {
    if (closed()) return;
    if (phase_ == Phase::kLingering) return close();
    // The write timeout: the client took nothing for that long. A reset frees at once what
    // the kernel still holds for it (a FIN would wait behind the unread bytes for minutes).
    if (answers_.writing()) return reset();
    if (!partialRequest()) return close();  // idle
    reject({408, "request_timeout", "the request did not arrive in time"});
    pump();
  }

  std::shared_ptr<WorkerContext> ctx_;
  int fd_;
  SessionTimers timers_;
  std::shared_ptr<Session> self_;
  boost::beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  AnswerQueue answers_;          // in request order
  std::weak_ptr<BodyStream> upload_;  // the request body being streamed to the handler
  std::uint64_t uploadSequence_ = 0;  // its slot
  std::string clientAddress_;
  TimePoint lingerUntil_ = 0;
  Phase phase_ = Phase::kOpen;
  // Socket readiness (edge-triggered): what epoll last said, until a read or write says otherwise.
  bool readReady_ = false;
  bool writeReady_ = true;
  bool peerFin_ = false;
  bool pumping_ = false;
  bool repump_ = false;
  bool pumpPosted_ = false;
  bool readStopped_ = false;  // no more requests are read (the last was answered or refused)
  bool peerClosed_ = false;   // the client half-closed
  bool continueSent_ = false;
  bool stopAfterUpload_ = false;  // the upload's request was the connection's last
  bool draining_ = false;
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
