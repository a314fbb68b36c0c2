// "host:port" and "[v6-address]:port" split into their parts, shared by config validation
// (listen addresses) and the network layer (binding, upstream addresses). Pure function.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gateway {

struct HostPort {
  std::string_view host;  // without the brackets of a v6 address; may be empty
  std::string_view port;  // unchecked: the caller decides what a valid port is
};

// Views into `address`, or nullopt with `why` set when there is no port separator (or a
// bracketed v6 address is not followed by ":port").
std::optional<HostPort> splitHostPort(std::string_view address, std::string& why);

}  // namespace gateway
