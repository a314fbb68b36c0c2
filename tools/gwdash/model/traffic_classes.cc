#include "tools/gwdash/model/traffic_classes.h"

#include <fmt/format.h>

namespace gwdash {

StatusClass statusClassOf(int status) {
  switch (status) {
    case 429: return StatusClass::k429;
    case 503: return StatusClass::k503;
    case 504: return StatusClass::k504;
    default: break;
  }
  if (status >= 200 && status < 300) return StatusClass::k2xx;
  if (status >= 300 && status < 400) return StatusClass::k3xx;
  if (status >= 400 && status < 500) return StatusClass::k4xx;
  if (status >= 500 && status < 600) return StatusClass::k5xx;
  return StatusClass::kOther;
}

std::string_view statusClassName(StatusClass statusClass) {
  switch (statusClass) {
    case StatusClass::k2xx: return "2xx";
    case StatusClass::k3xx: return "3xx";
    case StatusClass::k4xx: return "4xx";
    case StatusClass::k429: return "429";
    case StatusClass::k5xx: return "5xx";
    case StatusClass::k503: return "503";
    case StatusClass::k504: return "504";
    case StatusClass::kOther: return "other";
  }
  return "other";
}

const std::array<StatusClass, kStatusClasses>& allStatusClasses() {
  static const std::array<StatusClass, kStatusClasses> kAll = {StatusClass::k2xx, StatusClass::k3xx, StatusClass::k4xx,
                                                               StatusClass::k429, StatusClass::k5xx, StatusClass::k503,
                                                               StatusClass::k504, StatusClass::kOther};
  return kAll;
}

std::string durationText(gateway::Duration d) {
  if (d < 0) return "-" + durationText(-d);
  if (d < gateway::kMillisecond) return fmt::format("{} us", d);
  if (d < gateway::kSecond) return fmt::format("{:.1f} ms", static_cast<double>(d) / 1e3);
  return fmt::format("{:.2f} s", static_cast<double>(d) / 1e6);
}

std::string timeText(gateway::TimePoint t) { return fmt::format("{:.3f} s", static_cast<double>(t) / 1e6); }

}  // namespace gwdash
