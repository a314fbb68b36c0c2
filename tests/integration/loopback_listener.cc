#include "tests/integration/loopback_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace gateway::testing {

LoopbackListener::LoopbackListener(int backlog, int socketFlags) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | socketFlags, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd_, backlog) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0 || ::pipe(stopPipe_) != 0) {
    throw std::runtime_error("cannot listen on 127.0.0.1");
  }
  port_ = ntohs(sa.sin_port);
}

LoopbackListener::~LoopbackListener() {
  if (fd_ >= 0) ::close(fd_);
  if (stopPipe_[0] >= 0) ::close(stopPipe_[0]);
  if (stopPipe_[1] >= 0) ::close(stopPipe_[1]);
}

void LoopbackListener::stop() {
  const char byte = 1;
  (void)!::write(stopPipe_[1], &byte, 1);
}

}  // namespace gateway::testing
