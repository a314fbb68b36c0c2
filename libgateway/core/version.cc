#include "libgateway/core/version.h"

namespace gateway {

std::string_view version() { return GATEWAY_VERSION_STRING; }

}  // namespace gateway
