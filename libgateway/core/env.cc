#include "libgateway/core/env.h"

namespace gateway {

std::string_view toString(UpstreamOutcome outcome) {
  switch (outcome) {
    case UpstreamOutcome::kResponse: return "response";
    case UpstreamOutcome::kConnectError: return "connect_error";
    case UpstreamOutcome::kProtocolError: return "protocol_error";
    case UpstreamOutcome::kReset: return "reset";
    case UpstreamOutcome::kTimeout: return "timeout";
  }
  return "unknown";
}

}  // namespace gateway
