// A fixed-size log-linear latency histogram (HdrHistogram's layout, reduced): values in
// microseconds from 1 us to about 73 minutes, each power of two split into 2^subBits linear
// buckets, so a recorded value is reported within 1/2^subBits of itself (0.8% at 7 bits).
// Recording never allocates. Not thread-safe; merge() combines per-thread histograms.
#pragma once

#include <cstdint>
#include <vector>

namespace gwsim {

class LatencyHistogram {
 public:
  explicit LatencyHistogram(int subBits = 7);

  void record(std::int64_t valueUs);
  void merge(const LatencyHistogram& other);
  void clear();

  std::uint64_t count() const { return count_; }
  std::int64_t max() const { return max_; }
  std::int64_t min() const { return count_ ? min_ : 0; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
  // The value at quantile q in [0, 1] (0.99 for p99): the upper edge of its bucket, capped at max.
  std::int64_t quantile(double q) const;

 private:
  std::size_t index(std::int64_t v) const;
  std::int64_t upperEdge(std::size_t index) const;

  int subBits_;
  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  std::int64_t sum_ = 0;
  std::int64_t max_ = 0;
  std::int64_t min_ = INT64_MAX;
};

}  // namespace gwsim
