// A raw-socket upstream that keeps its connections open, for the tests of what the gateway
// does with misbehaving answers: request i (counted over all connections) is answered with
// the scripted bytes of step i (the last step repeats), after which the connection is closed
// when the step says so. It counts the connections it accepted, so a test can tell a reused
// pooled connection from a new one. One thread polls the listener and every connection; it
// stops (and is joined) on destruction through a self-pipe: no polling loop, no sleep.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/loopback_listener.h"

namespace gateway::testing {

struct UpstreamStep {
  std::string bytes;        // sent as one write once a whole request arrived
  bool closeAfter = false;  // then the connection is closed
};

class KeepAliveUpstream {
 public:
  explicit KeepAliveUpstream(std::vector<UpstreamStep> script);
  ~KeepAliveUpstream();
  KeepAliveUpstream(const KeepAliveUpstream&) = delete;
  KeepAliveUpstream& operator=(const KeepAliveUpstream&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(listener_.port()); }
  std::uint64_t connections() const { return connections_.load(); }
  std::uint64_t requests() const { return requests_.load(); }

 private:
  struct Peer {
    int fd;
    std::string in;
  };
  void serve();
  // Answers the whole requests buffered in `peer`; false when the connection is to be closed.
  bool answer(Peer& peer);

  std::vector<UpstreamStep> script_;
  LoopbackListener listener_{64};
  std::atomic<std::uint64_t> connections_{0};
  std::atomic<std::uint64_t> requests_{0};
  std::thread thread_;
};

// Splits one request off the front of `in` (head plus its Content-Length body): its length,
// or 0 while it is incomplete.
std::size_t wholeRequestLength(const std::string& in);

}  // namespace gateway::testing
