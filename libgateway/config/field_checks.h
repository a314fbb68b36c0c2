// Checks shared by the config section loaders: addresses, RFC 9110 tokens, millisecond
// fields. Free functions without state; safe from any thread. Messages are the ones the
// loaders report after the field's JSON path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "libgateway/config/json_reader.h"
#include "libgateway/core/time.h"

namespace gateway {

inline constexpr std::int64_t kMaxTimeoutMs = 3'600'000;

// An upstream instance: "host:port" with a host name or IP address and a port in 1-65535.
// False with the reason in `why`.
bool validAddress(std::string_view address, std::string& why);
// A listening address: "ip:port", "[v6-ip]:port" or "localhost:port", port 0-65535 (0 picks a
// free port). False with the reason in `why`.
bool validListenAddress(std::string_view address, std::string& why);
// RFC 9110 token characters: what a method or header name needs.
bool validToken(std::string_view s);

// An integer field of milliseconds in [min, max], as a Duration.
std::optional<Duration> millisField(JsonReader& r, std::string_view key, std::int64_t min = 1,
                                    std::int64_t max = kMaxTimeoutMs);

}  // namespace gateway
