// The words the traffic panels (latency, inspector) share: the status classes a request is
// counted in (disjoint, so a second's statuses stack) and durations as people read them.
// Plain functions, no state.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "libgateway/core/time.h"

namespace gwdash {

// 429, 503 and 504 are the gateway's own verdicts (rate limited, breaker open or no
// instance, timed out), so they are apart from the rest of their hundred.
enum class StatusClass : std::uint8_t { k2xx, k3xx, k4xx, k429, k5xx, k503, k504, kOther };
inline constexpr std::size_t kStatusClasses = 8;

StatusClass statusClassOf(int status);
// "2xx", "3xx", "4xx" (other than 429), "429", "5xx" (other than 503 and 504), "503", "504",
// "other" (no answer or outside 200..599).
std::string_view statusClassName(StatusClass statusClass);
const std::array<StatusClass, kStatusClasses>& allStatusClasses();

// "850 us", "12.3 ms", "1.25 s".
std::string durationText(gateway::Duration duration);
// A simulated time as seconds: "12.345 s".
std::string timeText(gateway::TimePoint time);

}  // namespace gwdash
