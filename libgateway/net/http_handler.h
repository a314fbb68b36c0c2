// What an HTTP server connection hands each parsed request to: an HttpHandler, and the
// ResponseSink through which exactly one answer goes back (now or later, in request order on
// the wire whatever order answers arrive in). The proxy, the admin API and mock-services
// are handlers. Handler and sink are used on the connection's loop thread only; a sink
// keeps its connection alive, and answering after the client left is a harmless no-op.
#pragma once

#include <cstdint>
#include <memory>

#include "libgateway/http/message.h"
#include "libgateway/net/http_limits.h"

namespace gateway::net {

// The connection side of a sink (implemented by the server session).
class ServerConnection {
 public:
  virtual ~ServerConnection() = default;
  virtual void respond(std::uint64_t sequence, Response response) = 0;
  // Drops the connection with a TCP reset (no response): for fault injection.
  virtual void reset() = 0;
};

class ResponseSink {
 public:
  ResponseSink() = default;
  ResponseSink(std::shared_ptr<ServerConnection> connection, std::uint64_t sequence)
      : connection_(std::move(connection)), sequence_(sequence) {}

  // Sends the answer; only the first call counts.
  void respond(Response response) {
    if (auto c = std::move(connection_)) c->respond(sequence_, std::move(response));
  }
  void reset() {
    if (auto c = std::move(connection_)) c->reset();
  }
  bool pending() const { return connection_ != nullptr; }

 private:
  std::shared_ptr<ServerConnection> connection_;
  std::uint64_t sequence_ = 0;
};

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // One complete request (body included, within the server's limits); clientAddress is set.
  virtual void handle(Request request, ResponseSink sink) = 0;
  // A new connection: false refuses it with a reset (an instance that is "down").
  virtual bool acceptConnection() { return true; }
  // A request the server answered itself before handle() (400, 408, 413, 414, 431: malformed,
  // too slow, too large): for the access log. The answer is already on its way.
  virtual void onRejected(const RequestFailure& /*failure*/, std::string_view /*clientAddress*/) {}
};

}  // namespace gateway::net
