// A fake upstream for the cases mock-services cannot produce (chunked, malformed or oversized
// responses): a thread that accepts connections on an ephemeral loopback port, reads one
// request per connection and answers with the next scripted raw bytes, then closes.
// Stops (and joins) on destruction through a self-pipe: no polling loop, no sleep.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/loopback_listener.h"

namespace gateway::testing {

class ScriptedUpstream {
 public:
  // Answers request i with responses[i % size].
  explicit ScriptedUpstream(std::vector<std::string> responses);
  ~ScriptedUpstream();
  ScriptedUpstream(const ScriptedUpstream&) = delete;
  ScriptedUpstream& operator=(const ScriptedUpstream&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(listener_.port()); }
  std::uint64_t requests() const { return requests_.load(); }

 private:
  void serve();
  void answer(int fd);

  std::vector<std::string> responses_;
  LoopbackListener listener_{64};
  std::atomic<std::uint64_t> requests_{0};
  std::thread thread_;
};

}  // namespace gateway::testing
