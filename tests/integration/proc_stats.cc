#include "tests/integration/proc_stats.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace gateway::testing {

std::size_t processOpenFds(pid_t pid) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

std::uint64_t processStatusKiB(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1));
  }
  return 0;
}

std::optional<TcpQueues> tcpQueues(std::uint16_t localPort, std::uint16_t remotePort) {
  // "  0: 0100007F:1F90 0100007F:C350 01 00000000:00000000 ..." (addresses and queues in hex)
  const auto port = [](const std::string& address) {
    const auto colon = address.find(':');
    return colon == std::string::npos ? 0 : std::stoul(address.substr(colon + 1), nullptr, 16);
  };
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // the column names
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues;
    if (!(fields >> slot >> local >> remote >> state >> queues)) continue;
    if (port(local) != localPort || port(remote) != remotePort) continue;
    const auto colon = queues.find(':');
    if (colon == std::string::npos) continue;
    return TcpQueues{std::stoull(queues.substr(0, colon), nullptr, 16), std::stoull(queues.substr(colon + 1), nullptr, 16)};
  }
  return std::nullopt;
}

}  // namespace gateway::testing
