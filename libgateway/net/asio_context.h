// Net-internal: the Asio io_context behind an EventLoop, for the Beast translation units.
// Tools and tests never include this (keeping Boost out of their compile).
#pragma once

#include <boost/asio/io_context.hpp>

#include "libgateway/net/event_loop.h"
#include "libgateway/net/fd_poller.h"

namespace gateway::net {

boost::asio::io_context& ioContext(EventLoop& loop);
// The loop's edge-triggered poller for raw sockets (sessions, upstream connections).
FdPoller& fdPoller(EventLoop& loop);

}  // namespace gateway::net
