#include "libgateway/net/pooled_transport.h"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <fmt/format.h>

#include "libgateway/http/headers.h"
#include "libgateway/net/asio_context.h"
#include "libgateway/net/http_wire.h"
#include "libgateway/net/response_parser.h"

namespace gateway::net {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::size_t kReadChunk = 16 * 1024;

// One request on its way to an instance.
struct Call {
  std::string service;
  Request request;
  TimePoint deadline = 0;
  std::function<void(UpstreamResult)> done;
  bool retried = false;
  std::uint64_t waitId = 0;  // while queued for a connection
  TimerId waitTimer = 0;
};

// A request may be sent twice only when repeating it is harmless (RFC 9110 9.2.2).
bool replayable(const Request& r) {
  const std::string& m = r.method;
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "PUT" || m == "DELETE" || m == "TRACE" ||
         r.headers.has("idempotency-key");
}

UpstreamResult failure(UpstreamOutcome outcome, std::string detail) {
  UpstreamResult r;
  r.outcome = outcome;
  r.detail = std::move(detail);
  return r;
}

class Connection;

struct Pool {
  std::string address;
  bool resolved = false;
  std::string resolveError;
  tcp::endpoint endpoint;
  std::vector<std::shared_ptr<Connection>> idle;  // most recently used last
  std::size_t open = 0;                           // connecting, busy or idle
  std::deque<Call> waiting;
};

}  // namespace

struct PooledTransport::Impl : std::enable_shared_from_this<PooledTransport::Impl> {
  Impl(EventLoop& l, const UpstreamOptions& o, UpstreamStats& s, std::function<Duration(std::string_view)> ct)
      : loop(l), io(ioContext(l)), poller(fdPoller(l)), options(o), stats(s), connectTimeout(std::move(ct)) {}

  void send(const Endpoint& endpoint, Call&& call);
  void dispatch(Pool& pool, Call&& call);
  void openConnection(Pool& pool, Call&& call);
  void release(Pool& pool, const std::shared_ptr<Connection>& connection);
  void connectionClosed(Pool& pool);
  void deliver(Call& call, UpstreamResult result) {
    auto done = std::move(call.done);
    done(std::move(result));
  }
  void deliverLater(Call call, UpstreamResult result) {
    asio::post(io, [call = std::move(call), result = std::move(result)]() mutable {
      auto done = std::move(call.done);
      done(std::move(result));
    });
  }
  void onWaitTimeout(Pool& pool, std::uint64_t waitId);
  Pool& poolFor(std::string_view address);
  void closeAll();

  EventLoop& loop;
  asio::io_context& io;
  FdPoller& poller;
  UpstreamOptions options;
  UpstreamStats& stats;
  std::function<Duration(std::string_view)> connectTimeout;
  std::unordered_map<std::string, std::unique_ptr<Pool>> pools;
  std::unordered_set<Connection*> connections;
  Pool* lastPool = nullptr;  // consecutive requests usually go to the same few instances
  std::uint64_t nextWaitId = 1;
  bool closing = false;
};

namespace {

// One upstream connection: connected through Asio, then a raw non-blocking socket on the
// loop's edge-triggered FdPoller (like the server session): the request is written at once,
// the response read only when the socket says it is there, and an idle pooled connection that
// the upstream closes is noticed (and dropped) as soon as its FIN arrives.
class Connection final : public Expirable, public FdWatcher, public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<PooledTransport::Impl> owner, Pool& pool)
      : Expirable(owner->loop.sweep()), owner_(std::move(owner)), pool_(pool), socket_(owner_->io) {
    owner_->connections.insert(this);
    owner_->stats.connectionsOpened.fetch_add(1, std::memory_order_relaxed);
    owner_->stats.connectionsOpen.fetch_add(1, std::memory_order_relaxed);
  }

  ~Connection() override {
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

  void connect(Call&& call) {
    call_.emplace(std::move(call));
    state_ = State::kConnecting;
    const TimePoint now = owner_->loop.clock().now();
    const Duration timeout = owner_->connectTimeout ? owner_->connectTimeout(call_->service) : seconds(5);
    setDeadline(std::min(now + timeout, call_->deadline));
    socket_.async_connect(pool_.endpoint, [self = shared_from_this()](const error_code& ec) { self->onConnect(ec); });
  }

  // A request on an idle pooled connection.
  void reuse(Call&& call) {
    owner_->stats.connectionsIdle.fetch_sub(1, std::memory_order_relaxed);
    owner_->stats.requestsOnReused.fetch_add(1, std::memory_order_relaxed);
    call_.emplace(std::move(call));
    reused_ = true;
    startRequest();
  }

  void makeIdle() {
    state_ = State::kIdle;
    owner_->stats.connectionsIdle.fetch_add(1, std::memory_order_relaxed);
    setDeadline(owner_->loop.sweep().coarseNow() + owner_->options.idleTimeout);
  }

  // Closes the socket. The call in progress, if any, is the caller's to report.
  void close() {
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
    // Events of this batch may still name us: let go of ourselves only afterwards.
    if (self_) asio::post(owner_->io, [self = std::move(self_)] {});
    owner_->connectionClosed(pool_);
  }

  bool busy() const { return state_ == State::kConnecting || state_ == State::kActive; }

  // Shutdown: a busy connection fails its call, an idle one just closes.
  void abort() {
    if (!busy()) return close();
    aborted_ = true;
    failCall(failure(UpstreamOutcome::kReset, "gateway shutting down"));
  }

  void onEvents(std::uint32_t events) override {
    if (state_ == State::kClosed) return;
    if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) peerFin_ = true;
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) readReady_ = true;
    if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) writeReady_ = true;
    if (state_ == State::kIdle) {
      // Bytes or EOF on an idle connection: the upstream closed it (or misbehaves). Drop it.
      if (readReady_) dropIdle();
      return;
    }
    if (state_ != State::kActive) return;
    if (writeBlocked_ && writeReady_ && !flushRequest()) return;
    if (readReady_) readResponse();
  }

 private:
  enum class State { kConnecting, kActive, kIdle, kClosed };

  void onConnect(const error_code& ec) {
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
    socket_.set_option(tcp::no_delay(true), ignored);
    socket_.non_blocking(true, ignored);
    fd_ = socket_.release(ignored);
    if (fd_ < 0 || !owner_->poller.add(fd_, this)) {
      return failCall(failure(UpstreamOutcome::kConnectError, fmt::format("connect to {}: cannot poll the socket", pool_.address)));
    }
    self_ = shared_from_this();  // registered: alive until close()
    startRequest();
  }

  void startRequest() {
    state_ = State::kActive;
    timedOut_ = false;
    gotBytes_ = false;
    setDeadline(call_->deadline);
    const Request& r = call_->request;
    parser_.emplace(owner_->options.maxResponseBodyBytes, owner_->options.maxResponseHeaderBytes, r.method == "HEAD");
    head_.clear();
    writeRequestHead(head_, r, pool_.address);
    outOffset_ = 0;
    writeBlocked_ = true;
    if (writeReady_) flushRequest();
  }

  // Sends the rest of the request; false when the socket is full or the call failed.
  bool flushRequest() {
    const std::string& body = call_->request.body;
    while (true) {
      const long n = sendHeadAndBody(fd_, head_, body, outOffset_);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          writeReady_ = false;
          return false;
        }
        onIoError(error_code(errno, boost::system::system_category()));
        return false;
      }
      outOffset_ += static_cast<std::size_t>(n);
      if (outOffset_ == head_.size() + body.size()) {
        writeBlocked_ = false;
        return true;
      }
      writeReady_ = false;  // a short write: the socket buffer is full
      return false;
    }
  }

  void readResponse() {
    for (int round = 0; round < 64; ++round) {
      const RecvStep step = recvInto(fd_, buffer_, kReadChunk, peerFin_);
      if (step == RecvStep::kMore || step == RecvStep::kDrained) {
        gotBytes_ = true;
        if (parseBuffered()) return;  // answered (or failed)
        if (step == RecvStep::kMore) continue;
      }
      if (step == RecvStep::kError) return onIoError(error_code(errno, boost::system::system_category()));
      readReady_ = false;
      if (step == RecvStep::kEof) return onIoError(asio::error::eof);
      return;  // drained, or nothing to read
    }
    // A large body still arriving: continue after the other sockets had their turn.
    asio::post(owner_->io, [self = shared_from_this()] {
      if (self->state_ == State::kActive && self->readReady_) self->readResponse();
    });
  }

  // True when the call was answered or failed.
  bool parseBuffered() {
    while (buffer_.size() > 0) {
      error_code pec;
      const std::size_t used = parser_->put(buffer_.data(), pec);
      buffer_.consume(used);
      if (pec == http::error::need_more) return false;
      if (pec) {
        protocolError(pec);
        return true;
      }
      if (parser_->is_done()) {
        const int status = parser_->response().status;
        if (status >= 100 && status < 200 && status != 101) {
          // An interim answer (100 Continue, 103 Early Hints): the real one follows.
          parser_.emplace(owner_->options.maxResponseBodyBytes, owner_->options.maxResponseHeaderBytes,
                          call_->request.method == "HEAD");
          continue;
        }
        complete(parser_->keep_alive() && status != 101);
        return true;
      }
      if (used == 0) return false;
    }
    return false;
  }

  void dropIdle() {
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

  void protocolError(const error_code& ec) {
    if (ec == http::error::body_limit) {
      return failCall(failure(UpstreamOutcome::kProtocolError,
                              fmt::format("response body from {} exceeds {} bytes", pool_.address,
                                          owner_->options.maxResponseBodyBytes)));
    }
    if (ec == http::error::header_limit) {
      return failCall(failure(UpstreamOutcome::kProtocolError,
                              fmt::format("response header from {} exceeds {} bytes", pool_.address,
                                          owner_->options.maxResponseHeaderBytes)));
    }
    failCall(failure(UpstreamOutcome::kProtocolError, fmt::format("malformed response from {}: {}", pool_.address, ec.message())));
  }

  void onIoError(const error_code& ec) {
    if (!call_) return close();
    if (ec == asio::error::eof && parser_ && parser_->got_some()) {
      if (parser_->need_eof()) {
        error_code pec;
        parser_->put_eof(pec);
        if (!pec && parser_->is_done()) return complete(false);
      }
      return failCall(failure(UpstreamOutcome::kProtocolError, fmt::format("{} closed the connection mid-response", pool_.address)));
    }
    const bool closedEarly = !gotBytes_ && (ec == asio::error::eof || ec == asio::error::connection_reset ||
                                            ec == asio::error::broken_pipe);
    if (closedEarly && reused_ && !call_->retried && replayable(call_->request)) {
      // The upstream closed this idle connection just as we reused it: try a fresh one.
      owner_->stats.staleRetries.fetch_add(1, std::memory_order_relaxed);
      Call call = std::move(*call_);
      call_.reset();
      call.retried = true;
      close();
      owner_->openConnection(pool_, std::move(call));
      return;
    }
    failCall(failure(UpstreamOutcome::kReset,
                     fmt::format("{}: {}", pool_.address, ec == asio::error::eof ? "closed before responding" : ec.message())));
  }

  void complete(bool keepAlive) {
    UpstreamResult result;
    result.response = std::move(parser_->response());
    parser_.reset();
    Call call = std::move(*call_);
    call_.reset();
    const bool reusable = keepAlive && buffer_.size() == 0 && !writeBlocked_ && !aborted_ && !owner_->closing;
    if (reusable) {
      owner_->release(pool_, shared_from_this());
    } else {
      close();
    }
    owner_->deliver(call, std::move(result));
  }

  // Closes the connection and fails the current call with `result`.
  void failCall(UpstreamResult result) {
    close();
    if (!call_) return;
    Call call = std::move(*call_);
    call_.reset();
    owner_->deliver(call, std::move(result));
  }

  void onExpired() override {
    if (state_ == State::kIdle) return dropIdle();  // idle too long: leave the pool
    if (state_ == State::kClosed) return;
    timedOut_ = true;
    if (state_ == State::kConnecting) {
      error_code ec;
      socket_.close(ec);  // the connect completes with an error and reports
      return;
    }
    failCall(failure(UpstreamOutcome::kTimeout, "deadline passed waiting for the response"));
  }

  std::shared_ptr<PooledTransport::Impl> owner_;
  Pool& pool_;
  tcp::socket socket_;  // while connecting; the raw descriptor after
  int fd_ = -1;
  std::shared_ptr<Connection> self_;
  boost::beast::flat_buffer buffer_;
  std::optional<ResponseParser> parser_;
  std::optional<Call> call_;
  std::string head_;
  std::size_t outOffset_ = 0;
  State state_ = State::kConnecting;
  bool readReady_ = false;
  bool writeReady_ = true;
  bool peerFin_ = false;
  bool writeBlocked_ = false;
  bool reused_ = false;
  bool gotBytes_ = false;
  bool timedOut_ = false;
  bool aborted_ = false;
};

}  // namespace

Pool& PooledTransport::Impl::poolFor(std::string_view address) {
  if (lastPool && lastPool->address == address) return *lastPool;
  auto& slot = pools[std::string(address)];
  if (!slot) {
    slot = std::make_unique<Pool>();
    slot->address = address;
    std::string host, why;
    std::uint16_t port = 0;
    if (!splitHostPort(address, host, port, why)) {
      slot->resolveError = fmt::format("bad upstream address \"{}\": {}", address, why);
    } else {
      error_code ec;
      auto ip = asio::ip::make_address(host, ec);
      if (!ec) {
        slot->endpoint = tcp::endpoint(ip, port);
        slot->resolved = true;
      } else {
        // Names are resolved once, on first use (blocking this loop briefly); addresses in
        // config are usually literal IPs.
        tcp::resolver resolver(io);
        auto results = resolver.resolve(host, std::to_string(port), ec);
        if (ec || results.empty()) {
          slot->resolveError = fmt::format("cannot resolve \"{}\": {}", host, ec ? ec.message() : "no address");
        } else {
          slot->endpoint = results.begin()->endpoint();
          slot->resolved = true;
        }
      }
    }
  }
  lastPool = slot.get();
  return *slot;
}

void PooledTransport::Impl::send(const Endpoint& endpoint, Call&& call) {
  if (closing) return deliverLater(std::move(call), failure(UpstreamOutcome::kConnectError, "gateway shutting down"));
  Pool& pool = poolFor(endpoint.address);
  if (!pool.resolved) return deliverLater(std::move(call), failure(UpstreamOutcome::kConnectError, pool.resolveError));
  if (call.deadline <= loop.sweep().coarseNow()) {
    return deliverLater(std::move(call), failure(UpstreamOutcome::kTimeout, "deadline passed before sending"));
  }
  dispatch(pool, std::move(call));
}

void PooledTransport::Impl::dispatch(Pool& pool, Call&& call) {
  if (!pool.idle.empty()) {
    auto connection = std::move(pool.idle.back());
    pool.idle.pop_back();
    connection->reuse(std::move(call));
    return;
  }
  if (pool.open < options.maxConnectionsPerInstance) return openConnection(pool, std::move(call));
  if (pool.waiting.size() >= options.maxWaitingPerInstance) {
    return deliverLater(std::move(call), failure(UpstreamOutcome::kConnectError,
                                              fmt::format("connection pool for {} is full ({} open, {} waiting)",
                                                          pool.address, pool.open, pool.waiting.size())));
  }
  call.waitId = nextWaitId++;
  const std::uint64_t waitId = call.waitId;
  call.waitTimer = loop.scheduler().schedule(call.deadline, [self = shared_from_this(), p = &pool, waitId] {
    self->onWaitTimeout(*p, waitId);
  });
  pool.waiting.push_back(std::move(call));
}

void PooledTransport::Impl::onWaitTimeout(Pool& pool, std::uint64_t waitId) {
  for (auto it = pool.waiting.begin(); it != pool.waiting.end(); ++it) {
    if (it->waitId == waitId) {
      Call call = std::move(*it);
      pool.waiting.erase(it);
      call.waitTimer = 0;
      return deliver(call, failure(UpstreamOutcome::kTimeout,
                                fmt::format("no free connection to {} before the deadline", pool.address)));
    }
  }
}

void PooledTransport::Impl::openConnection(Pool& pool, Call&& call) {
  ++pool.open;
  auto connection = std::make_shared<Connection>(shared_from_this(), pool);
  connection->connect(std::move(call));
}

void PooledTransport::Impl::release(Pool& pool, const std::shared_ptr<Connection>& connection) {
  while (!pool.waiting.empty()) {
    Call call = std::move(pool.waiting.front());
    pool.waiting.pop_front();
    if (call.waitTimer) loop.scheduler().cancel(call.waitTimer);
    call.waitTimer = 0;
    if (call.deadline <= loop.clock().now()) {
      deliver(call, failure(UpstreamOutcome::kTimeout, "deadline passed waiting for a connection"));
      continue;
    }
    connection->makeIdle();
    connection->reuse(std::move(call));
    return;
  }
  if (pool.idle.size() >= options.maxIdlePerInstance) return connection->close();
  connection->makeIdle();
  pool.idle.push_back(connection);
}

void PooledTransport::Impl::connectionClosed(Pool& pool) {
  if (pool.open > 0) --pool.open;
  // A freed slot lets a waiting request open its own connection.
  if (!pool.waiting.empty() && !closing && pool.open < options.maxConnectionsPerInstance) {
    Call call = std::move(pool.waiting.front());
    pool.waiting.pop_front();
    if (call.waitTimer) loop.scheduler().cancel(call.waitTimer);
    call.waitTimer = 0;
    asio::post(io, [self = shared_from_this(), p = &pool, call = std::move(call)]() mutable {
      self->dispatch(*p, std::move(call));
    });
  }
}

void PooledTransport::Impl::closeAll() {
  closing = true;
  for (auto& [address, pool] : pools) {
    auto idle = std::move(pool->idle);
    pool->idle.clear();
    for (auto& c : idle) c->close();
    while (!pool->waiting.empty()) {
      Call call = std::move(pool->waiting.front());
      pool->waiting.pop_front();
      if (call.waitTimer) loop.scheduler().cancel(call.waitTimer);
      deliverLater(std::move(call), failure(UpstreamOutcome::kConnectError, "gateway shutting down"));
    }
  }
  std::vector<Connection*> busy(connections.begin(), connections.end());
  for (Connection* c : busy) {
    if (connections.contains(c)) c->abort();
  }
}

PooledTransport::PooledTransport(EventLoop& loop, const UpstreamOptions& options, UpstreamStats& stats,
                                 std::function<Duration(std::string_view)> connectTimeout)
    : impl_(std::make_shared<Impl>(loop, options, stats, std::move(connectTimeout))) {}

PooledTransport::~PooledTransport() {
  // Idle connections hold the Impl; closing them breaks that cycle.
  impl_->closeAll();
}

void PooledTransport::send(const Endpoint& endpoint, Request request, TimePoint deadline,
                           std::function<void(UpstreamResult)> done) {
  Call call{std::string(endpoint.service), std::move(request), deadline, std::move(done)};
  impl_->send(endpoint, std::move(call));
}

void PooledTransport::closeAll() { impl_->closeAll(); }

}  // namespace gateway::net
