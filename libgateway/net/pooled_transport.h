// The real UpstreamTransport: HTTP/1.1 to upstream instances over keep-alive connections,
// pooled per instance address on one worker loop (NGINX's upstream keepalive, Envoy's
// per-worker connection pools). A pool opens at most `maxConnectionsPerInstance`; requests
// beyond wait in FIFO order until a connection frees or their deadline passes. A reused
// connection that the upstream had closed is retried once on a fresh one when the request is
// replayable (idempotent method or Idempotency-Key), as Go's http.Transport does.
// Bodies stream both ways: a request whose body is a BodyStream is sent as the bytes come, and
// a response body longer than streamResponsesAbove is handed over as a BodyStream as soon as
// its head has arrived, read from the socket only while the stream has room (backpressure).
// Not thread-safe: one PooledTransport per worker loop, used on that loop's thread; the loop
// must outlive it. The connection internals are in upstream_connection.h.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "libgateway/core/env.h"
#include "libgateway/net/event_loop.h"

namespace gateway::net {

struct UpstreamOptions {
  std::size_t maxConnectionsPerInstance = 512;  // per worker
  std::size_t maxIdlePerInstance = 128;         // kept open between requests, per worker
  std::size_t maxWaitingPerInstance = 4096;     // requests queued for a connection
  Duration idleTimeout = seconds(30);           // an idle pooled connection closes after this
  std::size_t maxResponseBodyBytes = 8 * 1024 * 1024;  // 502 (or a cut stream) above
  std::size_t maxResponseHeaderBytes = 64 * 1024;
  std::size_t streamResponsesAbove = 32 * 1024;  // longer bodies are streamed, not held whole
  Duration bodyIdleTimeout = seconds(60);       // a streamed body stalled this long is cut
};

// Counters across the transports of a process (relaxed atomics; the admin API reads them).
struct UpstreamStats {
  std::atomic<std::uint64_t> connectionsOpened{0};
  std::atomic<std::uint64_t> connectionsOpen{0};
  std::atomic<std::uint64_t> connectionsIdle{0};
  std::atomic<std::uint64_t> requestsOnReused{0};
  std::atomic<std::uint64_t> connectFailures{0};
  std::atomic<std::uint64_t> staleRetries{0};
};

class PooledTransport final : public UpstreamTransport {
 public:
  // `connectTimeout(service)` gives a service's connect timeout; asked once per new connection.
  PooledTransport(EventLoop& loop, const UpstreamOptions& options, UpstreamStats& stats,
                  std::function<Duration(std::string_view service)> connectTimeout);
  ~PooledTransport() override;

  void send(const Endpoint& endpoint, Request request, TimePoint deadline,
            std::function<void(UpstreamResult)> done) override;

  // Closes every connection: pending requests fail, idle connections go. For shutdown.
  void closeAll();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace gateway::net
