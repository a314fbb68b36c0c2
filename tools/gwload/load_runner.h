// gwload's open-loop engine: per thread, one EventLoop and one PooledTransport (the gateway's
// own upstream client: keep-alive connections that grow on demand up to a cap, a FIFO wait
// beyond, deadlines, error kinds). One timer, set to the next due time, sends everything due
// when it fires (never a timer per request), so a late loop catches up in a burst and the
// lag shows in the send-lag histogram instead of in a lower offered rate.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "tools/gwload/report.h"

namespace gwload {

// Where requests go, from a URL: "http://host[:port][/path[?query]]".
struct Target {
  std::string address;  // "host:port", for the connection pool
  std::string host;     // the Host header: host, with ":port" unless it is 80
  std::string path;     // the request target, "/" at least
};
// Nullopt with `error` set for anything but a plain http:// URL with a host.
std::optional<Target> parseTarget(std::string_view url, std::string& error);

struct RunPlan {
  RateSettings settings;
  Target target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::ostream* progress = nullptr;  // a line a second when set
};

// Runs the plan to its end (the schedule sent, every request answered or timed out).
Report runLoad(const RunPlan& plan);

}  // namespace gwload
