// The HTTP/1.1 server side (Beast advanced_server structure): one listener accepting on one
// loop and spreading connections round-robin over worker loops, one session per connection
// with keep-alive, bounded pipelining (answers go out in request order), header/body/idle/
// write timeouts, and size limits answered with 413/414/431, bad framing with 400. Long
// bodies stream in both directions (Request/Response::stream) with backpressure.
// Thread-safety: start/stopAccepting/drain/closeAll and the stats are thread-safe (they post
// to the loops); the handlers run on their worker's loop. The loops and handlers must outlive
// the server's connections: destroy the server only after every loop's run() returned.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libgateway/net/event_loop.h"
#include "libgateway/net/http_handler.h"
#include "libgateway/net/http_limits.h"

namespace gateway::net {

// Counters of one server, across its workers (relaxed atomics, read by the admin API).
struct ConnectionStats {
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> active{0};
  std::atomic<std::uint64_t> requests{0};
  // Requests refused by the server before any handler saw them, by status.
  std::atomic<std::uint64_t> rejected400{0}, rejected408{0}, rejected413{0}, rejected414{0}, rejected431{0};
  // Connections closed as soon as they were accepted because the cap was reached.
  std::atomic<std::uint64_t> refused{0};

  void countRejection(int status);
};

class HttpServer {
 public:
  struct Worker {
    EventLoop* loop = nullptr;
    HttpHandler* handler = nullptr;
  };

  // Binds and listens on `address` ("host:port"; port 0 picks a free one) now; accepts on
  // `acceptLoop` after start(). Null with `error` set when the address is bad or taken.
  static std::unique_ptr<HttpServer> bind(std::string_view address, EventLoop& acceptLoop, std::vector<Worker> workers,
                                          const HttpLimits& limits, std::string& error);
  ~HttpServer();

  void start();
  // Closes the listening socket: new connections are refused.
  void stopAccepting();
  // Graceful: idle connections close now, busy ones after their in-flight answers.
  void drain();
  // Closes every connection now.
  void closeAll();
  // At most `max` connections open at once (0: no cap); beyond, a new connection is closed
  // as soon as it is accepted (Envoy's listener connection limit). Thread-safe, any time.
  void setMaxConnections(std::size_t max);

  std::uint16_t port() const { return port_; }
  // "host:port" with the bound port.
  std::string address() const;
  const ConnectionStats& stats() const { return *stats_; }

  struct Impl;

 private:
  HttpServer() = default;
  std::shared_ptr<Impl> impl_;
  std::shared_ptr<ConnectionStats> stats_;
  std::string host_;
  std::uint16_t port_ = 0;
};

}  // namespace gateway::net
