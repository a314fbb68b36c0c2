// Time in the gateway core: integer microseconds, so every decision is exact and
// reproducible bit for bit. The core never reads a clock; `now` arrives as a parameter
// or through Env::clock (see env.h).
#pragma once

#include <cstdint>

namespace gateway {

// Microseconds since an arbitrary epoch chosen by the Clock (0 in the simulator).
using TimePoint = std::int64_t;
// A span of time in microseconds.
using Duration = std::int64_t;

inline constexpr Duration kMicrosecond = 1;
inline constexpr Duration kMillisecond = 1000;
inline constexpr Duration kSecond = 1000 * kMillisecond;
inline constexpr TimePoint kNever = INT64_MAX;

constexpr Duration millis(std::int64_t ms) { return ms * kMillisecond; }
constexpr Duration seconds(std::int64_t s) { return s * kSecond; }

}  // namespace gateway
