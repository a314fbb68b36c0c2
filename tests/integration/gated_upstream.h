// An upstream whose answers can be held back: it serves any number of keep-alive connections
// (one thread, poll()), reads whole requests (head and Content-Length body) and answers each
// with 200 and a body naming it ("GET /p/7 0", the method, target and body length, padded
// with '.' to `answerBytes`). While the gate is closed the answers wait; open() sends the
// waiting ones newest first (so a gateway must put them back in request order) and every
// later one at once. It also records each request it got and counts the connections that
// closed in the middle of a request (an aborted upload). Answers are written blocking, so
// keep them small (what a socket buffer takes). Stops and joins on destruction.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/loopback_listener.h"

namespace gateway::testing {

class GatedUpstream {
 public:
  explicit GatedUpstream(std::size_t answerBytes = 64, bool open = true);
  ~GatedUpstream();
  GatedUpstream(const GatedUpstream&) = delete;
  GatedUpstream& operator=(const GatedUpstream&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(listener_.port()); }
  void open();
  void close();
  std::uint64_t requests() const { return requests_.load(); }
  std::uint64_t aborted() const { return aborted_.load(); }
  // "METHOD target body-length" of every request so far, in arrival order.
  std::vector<std::string> received() const;
  // Waits until at least `n` whole requests arrived; false on timeout.
  bool waitRequests(std::uint64_t n, std::chrono::milliseconds timeout);
  // Waits until `n` connections were closed mid-request; false on timeout.
  bool waitAborted(std::uint64_t n, std::chrono::milliseconds timeout);

 private:
  struct Peer {
    int fd;
    std::string in;
  };
  struct Held {
    int fd;
    std::string bytes;
  };
  void serve();
  void answerWhole(Peer& peer, std::vector<Held>& held);
  static bool sendAll(int fd, const std::string& bytes);

  std::size_t answerBytes_;
  LoopbackListener listener_{256};
  int gatePipe_[2] = {-1, -1};  // a byte wakes the thread after open() or close()
  std::atomic<bool> open_;
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> aborted_{0};
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> received_;  // under mutex_
  std::thread thread_;
};

}  // namespace gateway::testing
