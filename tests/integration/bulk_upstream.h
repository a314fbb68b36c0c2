// An upstream for body-streaming tests: one thread serving any number of keep-alive
// connections with non-blocking sockets and poll(), so a gateway that stops reading one
// answer never stalls the others. It makes and checks large bodies without holding them:
//   GET  /bytes/N[?chunked=1]  -> N bytes of the pattern 'a' + offset % 26 (Content-Length,
//                                 or chunked in 64 KiB chunks)
//   POST /bytes/N[?chunked=1]  -> the same, answered at once while the request body is still
//                                 read (and dropped), as an echo or transform service does
//   POST /count               -> reads the whole body (Content-Length or chunked) and answers
//                                 {"bytes": n, "pattern_ok": true|false}
// Anything else is 404. Counters are thread-safe; waitIdle() tells when it has nothing more it
// can write (every answer is done or waits for a full socket). Stops and joins on destruction.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "tests/integration/loopback_listener.h"

namespace gateway::testing {

// The pattern byte at absolute body offset `i`.
inline char patternByte(std::uint64_t i) { return static_cast<char>('a' + i % 26); }

class BulkUpstream {
 public:
  BulkUpstream();
  ~BulkUpstream();
  BulkUpstream(const BulkUpstream&) = delete;
  BulkUpstream& operator=(const BulkUpstream&) = delete;

  std::string address() const { return "127.0.0.1:" + std::to_string(listener_.port()); }
  std::uint64_t requests() const { return requests_.load(); }
  std::uint64_t bytesSent() const { return bytesSent_.load(); }
  std::uint64_t bytesReceived() const { return bytesReceived_.load(); }
  // Waits until at least `requests` requests arrived and no answer can make progress (each is
  // done or blocked on a full socket). False on timeout.
  bool waitIdle(std::uint64_t requests, std::chrono::milliseconds timeout);

 private:
  struct Conn;
  void serve();
  void startAnswer(Conn& c);
  void onReadable(Conn& c);
  bool onWritable(Conn& c);  // false when the connection ended

  LoopbackListener listener_;
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> bytesSent_{0};
  std::atomic<std::uint64_t> bytesReceived_{0};
  std::mutex mutex_;
  std::condition_variable changed_;
  bool idle_ = false;  // under mutex_
  std::thread thread_;
};

}  // namespace gateway::testing
