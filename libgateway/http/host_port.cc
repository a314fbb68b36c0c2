#include "libgateway/http/host_port.h"

namespace gateway {

std::optional<HostPort> splitHostPort(std::string_view address, std::string& why) {
  if (!address.empty() && address.front() == '[') {
    const auto close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() || address[close + 1] != ':') {
      why = "expected \"[v6-address]:port\"";
      return std::nullopt;
    }
    return HostPort{address.substr(1, close - 1), address.substr(close + 2)};
  }
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos) {
    why = "expected \"host:port\"";
    return std::nullopt;
  }
  return HostPort{address.substr(0, colon), address.substr(colon + 1)};
}

}  // namespace gateway
