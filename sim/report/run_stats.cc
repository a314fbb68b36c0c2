#include "sim/report/run_stats.h"

#include <algorithm>

namespace gwsim {

void StatusCounts::reset() {
  total = 0;
  std::fill(std::begin(byClass), std::end(byClass), 0);
  byCode.fill(0);
}

nlohmann::json LatencyStats::toJson() const {
  nlohmann::json codes = nlohmann::json::object();
  for (std::size_t code = 0; code < statuses.byCode.size(); ++code) {
    if (statuses.byCode[code]) codes[std::to_string(code)] = statuses.byCode[code];
  }
  const auto ms = [](std::int64_t us) { return static_cast<double>(us) / 1000.0; };
  nlohmann::json j = {
      {"requests", statuses.total},
      {"status_2xx", statuses.byClass[2]},
      {"status_3xx", statuses.byClass[3]},
      {"status_4xx", statuses.byClass[4]},
      {"status_5xx", statuses.byClass[5]},
      {"status", codes},
      {"latency_ms",
       {{"mean", latency.mean() / 1000.0},
        {"p50", ms(latency.quantile(0.50))},
        {"p90", ms(latency.quantile(0.90))},
        {"p99", ms(latency.quantile(0.99))},
        {"p999", ms(latency.quantile(0.999))},
        {"max", ms(latency.max())}}},
  };
  if (limiterDelayed > 0) {
    j["limiter_delay_ms"] = {{"delayed", limiterDelayed},
                             {"mean", limiterDelaySumUs / static_cast<double>(limiterDelayed) / 1000.0},
                             {"max", ms(limiterDelayMaxUs)}};
  }
  return j;
}

void WindowMax::add(std::int64_t t) {
  if (window_ <= 0) return;
  // Times that left the window go first (t itself is always inside it).
  while (size_ > 0 && ring_[head_] <= t - window_) {
    head_ = (head_ + 1) & (ring_.size() - 1);
    --size_;
  }
  if (size_ == ring_.size()) {
    std::vector<std::int64_t> grown(std::max<std::size_t>(4, ring_.size() * 2));
    for (std::size_t i = 0; i < size_; ++i) grown[i] = ring_[(head_ + i) & (ring_.size() - 1)];
    ring_ = std::move(grown);
    head_ = 0;
  }
  ring_[(head_ + size_) & (ring_.size() - 1)] = t;
  ++size_;
  max_ = std::max<std::uint64_t>(max_, size_);
}

}  // namespace gwsim
