#include "libgateway/net/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "libgateway/net/asio_context.h"
#include "libgateway/net/http_session.h"
#include "libgateway/net/http_wire.h"

namespace gateway::net {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

void ConnectionStats::countRejection(int status) {
  switch (status) {
    case 408: rejected408.fetch_add(1, std::memory_order_relaxed); break;
    case 413: rejected413.fetch_add(1, std::memory_order_relaxed); break;
    case 414: rejected414.fetch_add(1, std::memory_order_relaxed); break;
    case 431: rejected431.fetch_add(1, std::memory_order_relaxed); break;
    default: rejected400.fetch_add(1, std::memory_order_relaxed); break;
  }
}

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(EventLoop& acceptLoop) : loop(acceptLoop), io(ioContext(acceptLoop)), acceptor(io) {}

  void accept() {
    if (stopped) return;
    acceptor.async_accept([self = shared_from_this()](const error_code& ec, tcp::socket socket) {
      self->onAccept(ec, std::move(socket));
    });
  }

  void onAccept(const error_code& ec, tcp::socket socket) {
    if (stopped || ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors and the like: back off briefly instead of spinning.
      fmt::print(stderr, "gateway: accept failed: {}\n", ec.message());
      loop.scheduler().schedule(loop.clock().now() + millis(50), [self = shared_from_this()] { self->accept(); });
      return;
    }
    error_code ignored;
    const std::size_t cap = maxConnections.load(std::memory_order_relaxed);
    if (cap != 0 && stats->active.load(std::memory_order_relaxed) >= cap) {
      stats->refused.fetch_add(1, std::memory_order_relaxed);
      socket.close(ignored);
      return accept();
    }
    stats->active.fetch_add(1, std::memory_order_relaxed);  // the session's from here
    std::string client;
    const auto remote = socket.remote_endpoint(ignored);
    if (!ignored) {
      const auto ip = remote.address();
      client = ip.is_v6() ? fmt::format("[{}]:{}", ip.to_string(), remote.port())
                          : fmt::format("{}:{}", ip.to_string(), remote.port());
    }
    // The session owns the raw descriptor from here (edge-triggered poller, not Asio's reactor).
    socket.non_blocking(true, ignored);
    const int fd = socket.release(ignored);
    const auto& worker = workers[next++ % workers.size()];
    if (fd >= 0) {
      if (&worker->io == &io) {
        startSession(worker, fd, std::move(client));
      } else {
        asio::post(worker->io, [worker, fd, client = std::move(client)]() mutable { startSession(worker, fd, std::move(client)); });
      }
    } else {
      stats->active.fetch_sub(1, std::memory_order_relaxed);
    }
    accept();
  }

  EventLoop& loop;
  asio::io_context& io;
  tcp::acceptor acceptor;
  std::vector<std::shared_ptr<WorkerContext>> workers;
  std::shared_ptr<ConnectionStats> stats;
  std::atomic<std::size_t> maxConnections{0};
  std::size_t next = 0;
  bool stopped = false;
};

std::unique_ptr<HttpServer> HttpServer::bind(std::string_view address, EventLoop& acceptLoop, std::vector<Worker> workers,
                                             const HttpLimits& limits, std::string& error) {
  std::string host;
  std::uint16_t port = 0;
  if (!splitHostPort(address, host, port, error)) {
    error = fmt::format("listen address \"{}\": {}", address, error);
    return nullptr;
  }
  if (workers.empty()) {
    error = "no worker loops";
    return nullptr;
  }
  error_code ec;
  const auto ip = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) {
    error = fmt::format("listen address \"{}\": \"{}\" is not an IP address", address, host);
    return nullptr;
  }
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->stats_ = std::make_shared<ConnectionStats>();
  server->impl_ = std::make_shared<Impl>(acceptLoop);
  server->impl_->stats = server->stats_;
  auto& acceptor = server->impl_->acceptor;
  const tcp::endpoint endpoint(ip, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = fmt::format("cannot listen on {}: {}", address, ec.message());
    return nullptr;
  }
  for (const auto& w : workers) {
    server->impl_->workers.push_back(std::make_shared<WorkerContext>(*w.loop, *w.handler, limits, server->stats_));
  }
  server->host_ = ip.is_v6() ? "[" + ip.to_string() + "]" : ip.to_string();
  server->port_ = acceptor.local_endpoint(ec).port();
  return server;
}

HttpServer::~HttpServer() = default;

std::string HttpServer::address() const { return fmt::format("{}:{}", host_, port_); }

void HttpServer::start() {
  asio::post(impl_->io, [impl = impl_] { impl->accept(); });
}

void HttpServer::stopAccepting() {
  asio::post(impl_->io, [impl = impl_] {
    impl->stopped = true;
    error_code ec;
    impl->acceptor.close(ec);
  });
}

void HttpServer::drain() {
  for (const auto& w : impl_->workers) {
    asio::post(w->io, [w] { endSessions(*w, false); });
  }
}

void HttpServer::setMaxConnections(std::size_t max) { impl_->maxConnections.store(max, std::memory_order_relaxed); }

void HttpServer::closeAll() {
  for (const auto& w : impl_->workers) {
    asio::post(w->io, [w] { endSessions(*w, true); });
  }
}

}  // namespace gateway::net
