// The insides of PooledTransport (net-internal, includes Asio and Beast): a Call on its way
// to an instance, the Pool of connections per instance address, the transport's shared Impl,
// and one UpstreamConnection (upstream_connection.cc). All on one worker loop's thread.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "libgateway/net/body_sender.h"
#include "libgateway/net/fd_poller.h"
#include "libgateway/net/pooled_transport.h"
#include "libgateway/net/response_parser.h"
#include "libgateway/net/timeout_sweep.h"

namespace gateway::net {

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

UpstreamResult failure(UpstreamOutcome outcome, std::string detail);

class UpstreamConnection;

struct Pool {
  std::string address;
  bool resolved = false;
  std::string resolveError;
  boost::asio::ip::tcp::endpoint endpoint;
  std::vector<std::shared_ptr<UpstreamConnection>> idle;  // most recently used last
  std::size_t open = 0;                                   // connecting, busy or idle
  std::deque<Call> waiting;
};

struct PooledTransport::Impl : std::enable_shared_from_this<PooledTransport::Impl> {
  Impl(EventLoop& l, const UpstreamOptions& o, UpstreamStats& s, std::function<Duration(std::string_view)> ct);

  void send(const Endpoint& endpoint, Call&& call);
  void dispatch(Pool& pool, Call&& call);
  void openConnection(Pool& pool, Call&& call);
  void release(Pool& pool, const std::shared_ptr<UpstreamConnection>& connection);
  void connectionClosed(Pool& pool);
  void deliver(Call& call, UpstreamResult result) {
    auto done = std::move(call.done);
    done(std::move(result));
  }
  void deliverLater(Call call, UpstreamResult result);
  void onWaitTimeout(Pool& pool, std::uint64_t waitId);
  Pool& poolFor(std::string_view address);
  void closeAll();

  EventLoop& loop;
  boost::asio::io_context& io;
  FdPoller& poller;
  UpstreamOptions options;
  UpstreamStats& stats;
  std::function<Duration(std::string_view)> connectTimeout;
  std::unordered_map<std::string, std::unique_ptr<Pool>> pools;
  std::unordered_set<UpstreamConnection*> connections;
  Pool* lastPool = nullptr;  // consecutive requests usually go to the same few instances
  std::uint64_t nextWaitId = 1;
  bool closing = false;
};

// One upstream connection: connected through Asio, then a raw non-blocking socket on the
// loop's edge-triggered FdPoller (like the server session): the request is written at once
// (a streamed body as its bytes come), the response read only when the socket says it is
// there, and an idle pooled connection that the upstream closes is dropped as soon as its FIN
// arrives. A long response body is handed over as a stream with its head and read on only
// while that stream has room; the connection goes back to the pool when the body is done.
class UpstreamConnection final : public Expirable,
                                 public FdWatcher,
                                 public std::enable_shared_from_this<UpstreamConnection> {
 public:
  UpstreamConnection(std::shared_ptr<PooledTransport::Impl> owner, Pool& pool);
  ~UpstreamConnection() override;

  void connect(Call&& call);
  // A request on an idle pooled connection.
  void reuse(Call&& call);
  void makeIdle();
  // Closes the socket. The call in progress, if any, is the caller's to report.
  void close();
  bool busy() const { return state_ == State::kConnecting || state_ == State::kActive; }
  // Shutdown: a busy connection fails its call (or its streamed body), an idle one just closes.
  void abort();
  void onEvents(std::uint32_t events) override;

 private:
  enum class State { kConnecting, kActive, kIdle, kClosed };

  void onConnect(const boost::system::error_code& ec);
  void startRequest();
  // Runs from the loop for a stream's callbacks: write and read what can be.
  void schedulePump();
  void pump();
  void writeRequest();
  void readResponse();
  bool parseBuffered();  // true when the exchange on this connection settled (answered or failed)
  bool longBody() const;
  void beginStreaming();
  void finishResponse(bool keepAlive);
  // Back to the pool when the exchange left it clean, else closed.
  void recycle(bool keepAlive);
  void dropIdle();
  void protocolError(const boost::system::error_code& ec);
  void onIoError(const boost::system::error_code& ec);
  void complete(bool keepAlive);
  void failCall(UpstreamResult result);
  void failStream(std::string reason);
  void onExpired() override;

  std::shared_ptr<PooledTransport::Impl> owner_;
  Pool& pool_;
  boost::asio::ip::tcp::socket socket_;  // while connecting; the raw descriptor after
  int fd_ = -1;
  std::shared_ptr<UpstreamConnection> self_;
  boost::beast::flat_buffer buffer_;
  std::optional<ResponseParser> parser_;
  std::optional<Call> call_;              // answered when the response head (or all of it) arrives
  Request request_;                       // the request being sent (its body stays valid here)
  std::string head_;
  BodySender sender_;
  std::weak_ptr<BodyStream> responseBody_;  // the response body being streamed to the gateway
  State state_ = State::kConnecting;
  bool readReady_ = false;
  bool writeReady_ = true;
  bool peerFin_ = false;
  bool requestSent_ = false;
  bool streaming_ = false;
  bool pumpPosted_ = false;
  bool reused_ = false;
  bool gotBytes_ = false;
  bool timedOut_ = false;
  bool aborted_ = false;
  int interim_ = 0;  // 1xx answers skipped for this request
  TimePoint sentAt_ = 0;  // when this request's first bytes were written (UpstreamResult::sentAt)
};

}  // namespace gateway::net
