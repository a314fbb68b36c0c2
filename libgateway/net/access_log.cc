#include "libgateway/net/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace gateway::net {

std::unique_ptr<AccessLog> AccessLog::open(const std::string& path, std::string& error) {
  if (path == "-") return std::unique_ptr<AccessLog>(new AccessLog(STDOUT_FILENO, false));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = fmt::format("cannot open access log \"{}\": {}", path, std::strerror(errno));
    return nullptr;
  }
  return std::unique_ptr<AccessLog>(new AccessLog(fd, true));
}

AccessLog::~AccessLog() {
  if (owned_) ::close(fd_);
}

void AccessLog::write(std::string_view lines) {
  std::lock_guard lock(mutex_);
  while (!lines.empty()) {
    const ssize_t n = ::write(fd_, lines.data(), lines.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      ++failed_;
      return;
    }
    lines.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace gateway::net
