// What one simulation run measured: per route and per client group, status counts and
// latency histograms; per consumer, offered and admitted counts (fairness) and the most
// admitted in any sliding window (overshoot); a per-second time series; and the trace hash.
// Fixed-size histograms and streamed rows: memory does not grow with the request count
// (except per-consumer windows, bounded by the number of consumers). Not thread-safe.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/report/latency_histogram.h"

namespace gwsim {

struct StatusCounts {
  std::uint64_t total = 0;
  std::uint64_t byClass[6] = {0, 0, 0, 0, 0, 0};  // index status/100
  std::array<std::uint64_t, 600> byCode{};  // by status code, 0..599
  void add(int status) {
    ++total;
    ++byClass[std::clamp(status / 100, 0, 5)];
    ++byCode[static_cast<std::size_t>(std::clamp(status, 0, 599))];
  }
  void reset();
  std::uint64_t code(int status) const { return status >= 0 && status < 600 ? byCode[static_cast<std::size_t>(status)] : 0; }
};

struct LatencyStats {
  StatusCounts statuses;
  LatencyHistogram latency;
  std::uint64_t limiterDelayed = 0;  // requests a leaky bucket delayed
  double limiterDelaySumUs = 0;
  std::int64_t limiterDelayMaxUs = 0;
  nlohmann::json toJson() const;
};

// Per-second totals for the time series.
struct SecondRow {
  std::int64_t second = 0;
  StatusCounts statuses;
  LatencyHistogram latency{5};
  std::uint64_t upstreamSent = 0;
};

// Sliding-window maximum of admitted requests per key.
// The times in the window are kept in a ring that grows by doubling: a few words per key
// for the thousands of mostly idle keys of a large client group (a deque costs ~600 bytes).
class WindowMax {
 public:
  explicit WindowMax(std::int64_t windowUs = 0) : window_(windowUs) {}
  // `t` never decreases from call to call.
  void add(std::int64_t t);
  std::uint64_t max() const { return max_; }

 private:
  std::int64_t window_;
  std::vector<std::int64_t> ring_;  // capacity a power of two (or empty)
  std::size_t head_ = 0;            // the oldest time in the window
  std::size_t size_ = 0;
  std::uint64_t max_ = 0;
};

struct ConsumerStats {
  std::uint64_t offered = 0;
  std::uint64_t admitted = 0;  // answered with anything but 429
  WindowMax window;
  std::int64_t quota = 0;      // the limit that applies to it, when known
};

}  // namespace gwsim
