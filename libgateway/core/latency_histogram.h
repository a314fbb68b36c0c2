// A fixed-size log-linear latency histogram (HdrHistogram's layout, reduced): values in
// microseconds, each power of two split into 2^subBits linear buckets, so a recorded value is
// reported within 1/2^subBits of itself: 0.8% at 7 sub-bits (the simulator's reports), under
// 0.1% at 10 (kThreeDigits: three significant digits, gwload). Values below 2^subBits us are
// exact; the top bucket holds everything from 2^(32 + subBits) us up (over 3 days at 7 bits).
// Recording never allocates: the buckets (33 * 2^subBits counters, 264 KiB at 10 sub-bits)
// are allocated once. Not thread-safe; merge() combines per-thread histograms of one layout.
//
// The Prometheus histogram in libgateway/net/metrics_registry keeps fixed buckets on purpose:
// the exposition format has a bucket per `le` bound, and the bounds must not change between
// scrapes, so it does not use this one.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

namespace gateway {

class LatencyHistogram {
 public:
  static constexpr int kThreeDigits = 10;  // 1/1024 < 0.1%
  explicit LatencyHistogram(int subBits = 7);

  // Inline: a simulated request is recorded in four histograms.
  void record(std::int64_t valueUs) {
    ++buckets_[index(valueUs)];
    ++count_;
    sum_ += valueUs;
    max_ = std::max(max_, valueUs);
    min_ = std::min(min_, valueUs);
  }
  // Adds `other`'s counts; both must have the same subBits (else only count, sum, min and
  // max merge, and the buckets are left alone).
  void merge(const LatencyHistogram& other);
  void clear();

  int subBits() const { return subBits_; }
  std::uint64_t count() const { return count_; }
  std::int64_t max() const { return max_; }
  std::int64_t min() const { return count_ ? min_ : 0; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
  // The value at quantile q in [0, 1] (0.99 for p99): the upper edge of its bucket, capped at
  // max (so quantile(1) is max()); the open-ended top bucket reports max; 0 when empty.
  std::int64_t quantile(double q) const;

 private:
  static constexpr int kMaxExponent = 32;
  std::size_t index(std::int64_t v) const {
    auto u = static_cast<std::uint64_t>(std::max<std::int64_t>(v, 0));
    const std::uint64_t sub = 1ULL << subBits_;
    if (u < sub) return static_cast<std::size_t>(u);  // exact below 2^subBits
    const int exponent = std::min(63 - std::countl_zero(u) - subBits_ + 1, kMaxExponent);
    if (exponent >= kMaxExponent) return buckets_.size() - 1;
    const std::uint64_t mantissa = (u >> (exponent - 1)) - sub;  // in [0, sub)
    return static_cast<std::size_t>((static_cast<std::uint64_t>(exponent) << subBits_) + mantissa);
  }
  std::int64_t upperEdge(std::size_t index) const;

  int subBits_;
  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  std::int64_t sum_ = 0;
  std::int64_t max_ = 0;
  std::int64_t min_ = INT64_MAX;
};

}  // namespace gateway
