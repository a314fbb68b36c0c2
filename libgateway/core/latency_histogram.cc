#include "libgateway/core/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace gateway {

LatencyHistogram::LatencyHistogram(int subBits)
    : subBits_(subBits), buckets_(static_cast<std::size_t>(kMaxExponent + 1) << subBits, 0) {}

std::int64_t LatencyHistogram::upperEdge(std::size_t i) const {
  const std::uint64_t sub = 1ULL << subBits_;
  if (i < sub) return static_cast<std::int64_t>(i);
  const std::uint64_t exponent = i >> subBits_;
  const std::uint64_t mantissa = i & (sub - 1);
  return static_cast<std::int64_t>(((sub + mantissa + 1) << (exponent - 1)) - 1);
}

void LatencyHistogram::merge(const LatencyHistogram& o) {
  if (o.subBits_ == subBits_) {
    for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += o.buckets_[i];
  }
  count_ += o.count_;
  sum_ += o.sum_;
  max_ = std::max(max_, o.max_);
  min_ = std::min(min_, o.min_);
}

void LatencyHistogram::clear() {
  std::fill(buckets_.begin(), buckets_.end(), 0);
  count_ = 0;
  sum_ = 0;
  max_ = 0;
  min_ = INT64_MAX;
}

std::int64_t LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= std::max<std::uint64_t>(rank, 1)) {
      // The top bucket is open-ended: its values are reported as the largest one seen.
      return i + 1 == buckets_.size() ? max_ : std::min(upperEdge(i), max_);
    }
  }
  return max_;
}

}  // namespace gateway
