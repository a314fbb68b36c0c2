// The HTTP/1.1 server side (Beast advanced_server structure): one listener accepting on one
// loop and spreading connections round-robin over worker loops, one session per connection
// with keep-alive, bounded pipelining (answers go out in request order), header/body/idle/
// write timeouts, and size limits answered with 413/414/431, bad framing with 400.
// A worker may also pace response bodies (BodyPacer), for fault injection.
// Thread-safety: start/stopAccepting/drain/closeAll and the stats are thread-safe (they post
// to the loops); the handlers run on their worker's loop. The loops and handlers (and pacers)
// must outlive the server's connections: destroy the server only after every loop's run()
// returned.
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

// How one response's body goes out when it is paced (Toxiproxy's bandwidth and slicer
// toxics): the head first, then slices of `sliceBytes`, each sent when the body so far has
// taken bytes / bytesPerSecond since the head, so the whole body takes size / rate. Timers on
// the worker's loop; nothing blocks. The write timeout applies to each slice, not the body.
struct BodyPacing {
  std::uint64_t bytesPerSecond = 0;
  std::size_t sliceBytes = 1;
};

// Optional per worker: asked just before each response with a body is written whether to
// pace it (mock-services' slow_body faults). Runs on the worker's loop.
class BodyPacer {
 public:
  virtual ~BodyPacer() = default;
  // Pacing for `response`, or nullopt to write it at once.
  virtual std::optional<BodyPacing> pacing(const Response& response) = 0;
};

class HttpServer {
 public:
  struct Worker {
    EventLoop* loop = nullptr;
    HttpHandler* handler = nullptr;
    BodyPacer* pacer = nullptr;  // null: bodies go out at once
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
