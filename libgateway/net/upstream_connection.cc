#include "libgateway/net/upstream_connection.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "libgateway/net/asio_context.h"
#include "libgateway/net/http_wire.h"

namespace gateway::net {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr int kMaxInterim = 8;  // 1xx answers before the final one

// A request may be sent twice only when repeating it is harmless (RFC 9110 9.2.2) and its
// body is still whole here.
bool replayable(const Request& r) {
  if (r.stream) return false;
  const std::string& m = r.method;
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "PUT" || m == "DELETE" || m == "TRACE" ||
         r.headers.has("idempotency-key");
}

}  // namespace

UpstreamResult failure(UpstreamOutcome outcome, std::string detail) {
  UpstreamResult r;
  r.outcome = outcome;
  r.detail = std::move(detail);
  return r;
}

UpstreamConnection::UpstreamConnection(std::shared_ptr<PooledTransport::Impl> owner, Pool& pool)
    : Expirable(owner->loop.sweep()), owner_(std::move(owner)), pool_(pool), socket_(owner_->io) {
  owner_->connections.insert(this);
  owner_->stats.connectionsOpened.fetch_add(1, std::memory_order_relaxed);
  owner_->stats.connectionsOpen.fetch_add(1, std::memory_order_relaxed);
}

UpstreamConnection::~UpstreamConnection() {
  owner_->connections.erase(this);
  if (state_ != State::kClosed) {
    owner_->stats.connectionsOpen.fetch_sub(1, std::memory_order_relaxed);
    if (state_ == State::kIdle) owner_->stats.connectionsIdle.fetch_sub(1, std::memory_order_relaxed);
    if (fd_ >= 0) {
      owner_->poller.remove(fd_);
      ::close(fd_);
    }
  }
}

void UpstreamConnection::connect(Call&& call) {
  call_.emplace(std::move(call));
  state_ = State::kConnecting;
  const TimePoint now = owner_->loop.clock().now();
  const Duration timeout = owner_->connectTimeout ? owner_->connectTimeout(call_->service) : seconds(5);
  setDeadline(std::min(now + timeout, call_->deadline));
  socket_.async_connect(pool_.endpoint, [self = shared_from_this()](const error_code& ec) { self->onConnect(ec); });
}

void UpstreamConnection::reuse(Call&& call) {
  owner_->stats.connectionsIdle.fetch_sub(1, std::memory_order_relaxed);
  owner_->stats.requestsOnReused.fetch_add(1, std::memory_order_relaxed);
  call_.emplace(std::move(call));
  reused_ = true;
  startRequest();
}

void UpstreamConnection::makeIdle() {
  state_ = State::kIdle;
  owner_->stats.connectionsIdle.fetch_add(1, std::memory_order_relaxed);
  setDeadline(owner_->loop.sweep().coarseNow() + owner_->options.idleTimeout);
}

void UpstreamConnection::close() {
  if (state_ == State::kClosed) return;
  if (state_ == State::kIdle) owner_->stats.connectionsIdle.fetch_sub(1, std::memory_order_relaxed);
  owner_->stats.connectionsOpen.fetch_sub(1, std::memory_order_relaxed);
  state_ = State::kClosed;
  setDeadline(kNever);
  if (fd_ >= 0) {
    owner_->poller.remove(fd_);
    ::close(fd_);
    fd_ = -1;
  } else {
    error_code ec;
    socket_.close(ec);  // a pending connect completes with an error and is ignored
  }
  // A response body still being relayed can never complete: its reader must hear so.
  if (streaming_) {
    if (auto body = responseBody_.lock()) body->fail(fmt::format("the connection to {} closed", pool_.address));
    responseBody_.reset();
    streaming_ = false;
  }
  // A request body still being sent is let go (its client side drops the rest).
  sender_.reset();
  request_ = Request();
  // Events of this batch may still name us: let go of ourselves only afterwards.
  if (self_) asio::post(owner_->io, [self = std::move(self_)] {});
  owner_->connectionClosed(pool_);
}

void UpstreamConnection::abort() {
  if (!busy()) return close();
  aborted_ = true;
  if (streaming_) return failStream("gateway shutting down");
  failCall(failure(UpstreamOutcome::kReset, "gateway shutting down"));
}

void UpstreamConnection::onEvents(std::uint32_t events) {
  if (state_ == State::kClosed) return;
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) peerFin_ = true;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) readReady_ = true;
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) writeReady_ = true;
  if (state_ == State::kIdle) {
    // Bytes or EOF on an idle connection: the upstream closed it (or misbehaves). Drop it.
    if (readReady_) dropIdle();
    return;
  }
  pump();
}

void UpstreamConnection::schedulePump() {
  if (pumpPosted_ || state_ == State::kClosed) return;
  pumpPosted_ = true;
  asio::post(owner_->io, [weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->pumpPosted_ = false;
      self->pump();
    }
  });
}

void UpstreamConnection::pump() {
  if (state_ != State::kActive) return;
  const auto self = shared_from_this();  // answering may drop the pool's reference
  if (streaming_ && responseBody_.expired()) return close();  // the gateway let go of the body
  writeRequest();
  if (state_ == State::kActive && readReady_) readResponse();
}

void UpstreamConnection::onConnect(const error_code& ec) {
  if (state_ == State::kClosed) return;
  if (ec) {
    owner_->stats.connectFailures.fetch_add(1, std::memory_order_relaxed);
    if (timedOut_ && owner_->loop.clock().now() >= call_->deadline) {
      return failCall(failure(UpstreamOutcome::kTimeout, "deadline passed while connecting"));
    }
    if (timedOut_) {
      return failCall(failure(UpstreamOutcome::kConnectError, fmt::format("connect to {} timed out", pool_.address)));
    }
    return failCall(failure(UpstreamOutcome::kConnectError, fmt::format("connect to {}: {}", pool_.address, ec.message())));
  }
  error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  socket_.non_blocking(true, ignored);
  fd_ = socket_.release(ignored);
  if (fd_ < 0 || !owner_->poller.add(fd_, this)) {
    return failCall(failure(UpstreamOutcome::kConnectError, fmt::format("connect to {}: cannot poll the socket", pool_.address)));
  }
  self_ = shared_from_this();  // registered: alive until close()
  startRequest();
}

void UpstreamConnection::startRequest() {
  state_ = State::kActive;
  timedOut_ = false;
  gotBytes_ = false;
  interim_ = 0;
  requestSent_ = false;
  setDeadline(call_->deadline);
  request_ = std::move(call_->request);
  const UpstreamOptions& o = owner_->options;
  parser_.emplace(o.maxResponseBodyBytes, o.maxResponseHeaderBytes, request_.method == "HEAD");
  head_.clear();
  writeRequestHead(head_, request_, pool_.address);
  if (request_.stream) {
    request_.stream->onReadable([weak = weak_from_this()] {
      if (auto self = weak.lock()) self->schedulePump();
    });
    sender_.begin(head_, request_.stream, !request_.stream->length());
  } else {
    sender_.begin(head_, request_.body);
  }
  sentAt_ = owner_->loop.clock().now();
  writeRequest();
}

void UpstreamConnection::writeRequest() {
  if (!sender_.active() || !writeReady_) return;
  switch (sender_.send(fd_)) {
    case BodySender::Progress::kDone:
      requestSent_ = true;
      return;
    case BodySender::Progress::kBlocked:
      writeReady_ = false;
      return;
    case BodySender::Progress::kStarved:
      return;  // the client's body comes: its stream wakes us
    case BodySender::Progress::kStreamFailed: {
      const std::string why = request_.stream ? request_.stream->error() : std::string("failed");
      if (streaming_) return failStream(fmt::format("the client's request body failed: {}", why));
      UpstreamResult result = failure(UpstreamOutcome::kReset, fmt::format("the client's request body failed: {}", why));
      result.clientFault = true;
      return failCall(std::move(result));
    }
    case BodySender::Progress::kSocketError:
      return onIoError(error_code(errno, boost::system::system_category()));
  }
}

void UpstreamConnection::readResponse() {
  for (int round = 0; round < 64; ++round) {
    std::size_t chunk = kReadChunk;
    if (streaming_) {
      const std::shared_ptr<BodyStream> body = responseBody_.lock();
      if (!body) return close();  // the gateway let go of the body: the rest is not read
      if (body->room() == 0) {
        setDeadline(kNever);  // paused by its reader; the client side times a stalled reader out
        return;
      }
      // Waiting for the upstream again: a stall from here on is its own.
      setDeadline(owner_->loop.sweep().coarseNow() + owner_->options.bodyIdleTimeout);
      // No more than the stream takes (plus a little chunk framing): its bound holds exactly.
      chunk = std::min(chunk, body->room() + 64);
    }
    const RecvStep step = recvInto(fd_, buffer_, chunk, peerFin_);
    if (step == RecvStep::kMore || step == RecvStep::kDrained) {
      gotBytes_ = true;
      if (streaming_) setDeadline(owner_->loop.sweep().coarseNow() + owner_->options.bodyIdleTimeout);
      if (parseBuffered()) return;  // settled
      if (step == RecvStep::kMore) continue;
    }
    if (step == RecvStep::kError) return onIoError(error_code(errno, boost::system::system_category()));
    readReady_ = false;
    if (step == RecvStep::kEof) return onIoError(asio::error::eof);
    return;  // drained, or nothing to read
  }
  // A large body still arriving: continue after the other sockets had their turn.
  schedulePump();
}

bool UpstreamConnection::longBody() const {
  const std::size_t above = owner_->options.streamResponsesAbove;
  if (const auto length = parser_->content_length()) return *length > above;
  return parser_->response().body.size() > above;
}

bool UpstreamConnection::parseBuffered() {
  while (buffer_.size() > 0) {
    std::shared_ptr<BodyStream> body;
    if (streaming_) {
      body = responseBody_.lock();
      if (!body) {
        close();
        return true;
      }
      parser_->streamBody(body.get());
    }
    error_code pec;
    const std::size_t used = parser_->put(buffer_.data(), pec);
    buffer_.consume(used);
    if (pec && pec != http::error::need_more) {
      protocolError(pec);
      return true;
    }
    if (parser_->is_done()) {
      const int status = parser_->response().status;
      if (!streaming_ && status >= 100 && status < 200) {
        // An interim answer (100 Continue, 103 Early Hints): not relayed; the real one follows.
        if (++interim_ > kMaxInterim) {
          failCall(failure(UpstreamOutcome::kProtocolError,
                           fmt::format("more than {} interim responses from {}", kMaxInterim, pool_.address)));
          return true;
        }
        const UpstreamOptions& o = owner_->options;
        parser_.emplace(o.maxResponseBodyBytes, o.maxResponseHeaderBytes, request_.method == "HEAD");
        continue;
      }
      finishResponse(parser_->keep_alive() && !parser_->announcedForbiddenBody());
      return true;
    }
    if (!streaming_ && parser_->is_header_done() && longBody()) beginStreaming();
    if (state_ != State::kActive) return true;  // the gateway closed us while taking the head
    if (pec == http::error::need_more || used == 0) return false;
  }
  return false;
}

// The head goes to the caller now; the body follows through a stream this connection fills.
// If the gateway drops the body (a retry, a client gone), the connection cannot be reused.
void UpstreamConnection::beginStreaming() {
  std::optional<std::uint64_t> length;
  if (const auto l = parser_->content_length()) length = *l;
  Response& response = parser_->response();
  auto body = openBodyStream(length, response.body, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->schedulePump();
  });
  parser_->streamBody(body.get());
  responseBody_ = body;
  streaming_ = true;
  setDeadline(owner_->loop.sweep().coarseNow() + owner_->options.bodyIdleTimeout);
  UpstreamResult result;
  result.sentAt = sentAt_;
  result.response = std::move(response);
  result.response.stream = std::move(body);
  Call call = std::move(*call_);
  call_.reset();
  owner_->deliver(call, std::move(result));
}

// The response is complete: answered whole, or the end of a streamed body.
void UpstreamConnection::finishResponse(bool keepAlive) {
  if (!streaming_) return complete(keepAlive);
  if (auto body = responseBody_.lock()) body->end();
  responseBody_.reset();
  streaming_ = false;
  parser_.reset();
  recycle(keepAlive);
}

void UpstreamConnection::recycle(bool keepAlive) {
  // An answer that came before the whole request went out leaves the connection unusable.
  const bool reusable = keepAlive && requestSent_ && buffer_.size() == 0 && !aborted_ && !owner_->closing;
  sender_.reset();
  request_ = Request();
  if (reusable) owner_->release(pool_, shared_from_this());
  else close();
}

void UpstreamConnection::dropIdle() {
  auto& idle = pool_.idle;
  for (auto it = idle.begin(); it != idle.end(); ++it) {
    if (it->get() == this) {
      auto self = std::move(*it);
      idle.erase(it);
      self->close();
      return;
    }
  }
  close();
}

void UpstreamConnection::protocolError(const error_code& ec) {
  std::string why;
  if (ec == http::error::body_limit) {
    why = fmt::format("response body from {} exceeds {} bytes", pool_.address, owner_->options.maxResponseBodyBytes);
  } else if (ec == http::error::header_limit) {
    why = fmt::format("response header from {} exceeds {} bytes", pool_.address, owner_->options.maxResponseHeaderBytes);
  } else if (parser_ && !parser_->rejection().empty()) {
    why = fmt::format("malformed response from {}: {}", pool_.address, parser_->rejection());
  } else {
    why = fmt::format("malformed response from {}: {}", pool_.address, ec.message());
  }
  if (streaming_) return failStream(std::move(why));
  failCall(failure(UpstreamOutcome::kProtocolError, std::move(why)));
}

void UpstreamConnection::onIoError(const error_code& ec) {
  if (!call_ && !streaming_) return close();
  if (ec == asio::error::eof && parser_ && parser_->got_some()) {
    if (parser_->need_eof()) {
      error_code pec;
      if (streaming_) {
        if (auto body = responseBody_.lock()) parser_->streamBody(body.get());
      }
      parser_->put_eof(pec);
      if (!pec && parser_->is_done()) return finishResponse(false);
    }
    const std::string why = fmt::format("{} closed the connection mid-response", pool_.address);
    if (streaming_) return failStream(why);
    return failCall(failure(UpstreamOutcome::kProtocolError, why));
  }
  if (streaming_) return failStream(fmt::format("{}: {}", pool_.address, ec.message()));
  const bool closedEarly = !gotBytes_ && (ec == asio::error::eof || ec == asio::error::connection_reset ||
                                          ec == asio::error::broken_pipe);
  if (closedEarly && reused_ && !call_->retried && replayable(request_)) {
    // The upstream closed this idle connection just as we reused it: try a fresh one.
    owner_->stats.staleRetries.fetch_add(1, std::memory_order_relaxed);
    Call call = std::move(*call_);
    call_.reset();
    call.request = std::move(request_);
    call.retried = true;
    close();
    owner_->openConnection(pool_, std::move(call));
    return;
  }
  failCall(failure(UpstreamOutcome::kReset,
                   fmt::format("{}: {}", pool_.address, ec == asio::error::eof ? "closed before responding" : ec.message())));
}

void UpstreamConnection::complete(bool keepAlive) {
  UpstreamResult result;
  result.sentAt = sentAt_;
  result.response = std::move(parser_->response());
  parser_.reset();
  Call call = std::move(*call_);
  call_.reset();
  recycle(keepAlive);
  owner_->deliver(call, std::move(result));
}

void UpstreamConnection::failCall(UpstreamResult result) {
  close();
  if (!call_) return;
  result.sentAt = sentAt_;  // 0 when the connect failed: nothing was written
  Call call = std::move(*call_);
  call_.reset();
  owner_->deliver(call, std::move(result));
}

void UpstreamConnection::failStream(std::string reason) {
  if (auto body = responseBody_.lock()) body->fail(std::move(reason));
  responseBody_.reset();
  streaming_ = false;
  close();
}

void UpstreamConnection::onExpired() {
  if (state_ == State::kIdle) return dropIdle();  // idle too long: leave the pool
  if (state_ == State::kClosed) return;
  timedOut_ = true;
  if (state_ == State::kConnecting) {
    error_code ec;
    socket_.close(ec);  // the connect completes with an error and reports
    return;
  }
  if (streaming_) return failStream(fmt::format("the response body from {} stalled", pool_.address));
  failCall(failure(UpstreamOutcome::kTimeout, "deadline passed waiting for the response"));
}

}  // namespace gateway::net
