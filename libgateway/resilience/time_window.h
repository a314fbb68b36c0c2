// A time-based sliding window of call outcomes: `buckets` buckets of `width` each
// (Resilience4j TIME_BASED uses 1 s buckets; Hystrix 10 buckets over 10 s). A bucket is
// aligned to multiples of `width`; moving to a new bucket clears the ones that fell out and
// subtracts them from the running totals, so both recording and reading are O(1) amortized.
// Not thread-safe; owned by one CircuitBreaker under its lock.
#pragma once

#include <vector>

#include "libgateway/core/time.h"
#include "libgateway/resilience/count_window.h"

namespace gateway {

class TimeWindow {
 public:
  TimeWindow(std::uint32_t buckets, Duration width);
  void record(TimePoint now, bool failure, bool slow);
  // Totals over the buckets that still cover `now`.
  const WindowTotals& totals(TimePoint now);
  void clear();
  Duration span() const { return width_ * static_cast<Duration>(buckets_.size()); }

 private:
  struct Bucket {
    std::int64_t epoch = -1;  // now / width when it was filled
    WindowTotals totals;
  };
  void advance(TimePoint now);

  std::vector<Bucket> buckets_;
  Duration width_;
  std::int64_t epoch_ = INT64_MIN;  // the newest epoch seen
  WindowTotals totals_;
};

}  // namespace gateway
