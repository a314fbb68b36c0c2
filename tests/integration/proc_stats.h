// What /proc says about another process (gatewayd under test): its open file descriptors and
// its memory, for the tests that check nothing is left behind after load or abuse.
// Free functions; safe from any thread. Linux only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace gateway::testing {

// Memory bounds on gatewayd (peak RSS, RSS back to its baseline) are checked only in plain
// builds: under ASan the quarantine keeps freed blocks and the shadow memory moves RSS, and
// under TSan every allocation carries its shadow; the release suite checks them.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kMemoryBoundsChecked = false;
#else
inline constexpr bool kMemoryBoundsChecked = true;
#endif

// Entries of /proc/PID/fd (0 when the process is gone).
std::size_t processOpenFds(pid_t pid);
// A field of /proc/PID/status in KiB ("VmRSS", "VmHWM"); 0 when absent.
std::uint64_t processStatusKiB(pid_t pid, const std::string& field);

// The queues of an IPv4 TCP socket, from /proc/net/tcp: bytes sent and not yet acknowledged,
// and bytes received that its process has not read.
struct TcpQueues {
  std::uint64_t send = 0;
  std::uint64_t receive = 0;
};
// The socket bound to `localPort` and connected to `remotePort` (both ends on this host);
// nullopt when there is none.
std::optional<TcpQueues> tcpQueues(std::uint16_t localPort, std::uint16_t remotePort);

}  // namespace gateway::testing
