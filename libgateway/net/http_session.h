// One client connection of an HttpServer (Session, in http_session.cc: keep-alive, bounded
// pipelining, timeouts, limits, streamed bodies in both directions) and what the sessions of
// one worker share. Used by http_server.cc only. Runs on the worker's loop thread; a
// WorkerContext lives as long as the last of its sessions.
#pragma once

#include <memory>
#include <string>
#include <unordered_set>

#include "libgateway/net/fd_poller.h"
#include "libgateway/net/http_server.h"

namespace boost::asio {
class io_context;
}

namespace gateway::net {

class Session;

struct WorkerContext {
  WorkerContext(EventLoop& l, HttpHandler& h, const HttpLimits& lim, std::shared_ptr<ConnectionStats> s);
  EventLoop& loop;
  boost::asio::io_context& io;
  FdPoller& poller;
  HttpHandler& handler;
  HttpLimits limits;
  std::shared_ptr<ConnectionStats> stats;
  std::unordered_set<Session*> sessions;
  bool draining = false;
};

// Takes over an accepted non-blocking socket, already counted in stats->active (closed at once
// when the worker is draining).
void startSession(const std::shared_ptr<WorkerContext>& ctx, int fd, std::string clientAddress);
// Stops taking new sessions and ends the open ones: closeNow closes them, otherwise idle ones
// close now and busy ones after their in-flight answers.
void endSessions(WorkerContext& ctx, bool closeNow);

}  // namespace gateway::net
