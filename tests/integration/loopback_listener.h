// What a test upstream's server thread needs: a listening socket on 127.0.0.1 with an
// ephemeral port, and a self-pipe that wakes the thread's poll() when the owner stops it.
// Throws std::runtime_error when either cannot be made. Closes both on destruction.
#pragma once

#include <cstdint>

namespace gateway::testing {

class LoopbackListener {
 public:
  // `socketFlags`: extra socket(2) type flags (SOCK_NONBLOCK).
  LoopbackListener(int backlog, int socketFlags = 0);
  ~LoopbackListener();
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  int fd() const { return fd_; }
  std::uint16_t port() const { return port_; }
  int stopFd() const { return stopPipe_[0]; }  // readable once stop() was called
  void stop();

 private:
  int fd_ = -1;
  int stopPipe_[2] = {-1, -1};
  std::uint16_t port_ = 0;
};

}  // namespace gateway::testing
