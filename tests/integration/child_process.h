// The integration tests' child processes: gateway::net::ChildProcess (libgateway/net).
#pragma once

#include "libgateway/net/child_process.h"

namespace gateway::testing {
using gateway::net::ChildProcess;
}  // namespace gateway::testing
