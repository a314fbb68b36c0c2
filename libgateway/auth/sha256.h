// SHA-256 of a secret (an API key, the admin token): the 32 raw bytes, so secrets are kept
// and compared as digests only.
#pragma once

#include <string>
#include <string_view>

namespace gateway {

std::string sha256(std::string_view text);

}  // namespace gateway
