#include "libgateway/net/pooled_transport.h"

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "libgateway/net/asio_context.h"
#include "libgateway/net/http_wire.h"
#include "libgateway/net/upstream_connection.h"

namespace gateway::net {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

PooledTransport::Impl::Impl(EventLoop& l, const UpstreamOptions& o, UpstreamStats& s,
                            std::function<Duration(std::string_view)> ct)
    : loop(l), io(ioContext(l)), poller(fdPoller(l)), options(o), stats(s), connectTimeout(std::move(ct)) {}

void PooledTransport::Impl::deliverLater(Call call, UpstreamResult result) {
  asio::post(io, [call = std::move(call), result = std::move(result)]() mutable {
    auto done = std::move(call.done);
    done(std::move(result));
  });
}

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
  auto connection = std::make_shared<UpstreamConnection>(shared_from_this(), pool);
  connection->connect(std::move(call));
}

void PooledTransport::Impl::release(Pool& pool, const std::shared_ptr<UpstreamConnection>& connection) {
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
  std::vector<UpstreamConnection*> busy(connections.begin(), connections.end());
  for (UpstreamConnection* c : busy) {
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
