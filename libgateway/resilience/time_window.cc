#include "libgateway/resilience/time_window.h"

#include <algorithm>

namespace gateway {

TimeWindow::TimeWindow(std::uint32_t buckets, Duration width)
    : buckets_(std::max<std::uint32_t>(1, buckets)), width_(std::max<Duration>(1, width)) {}

void TimeWindow::advance(TimePoint now) {
  const std::int64_t epoch = now >= 0 ? now / width_ : (now - width_ + 1) / width_;
  if (epoch <= epoch_) return;
  const auto n = static_cast<std::int64_t>(buckets_.size());
  // Clear every bucket that the move from epoch_ to epoch passes over (at most all of them).
  const std::int64_t from = epoch_ == INT64_MIN || epoch - epoch_ > n ? epoch - n + 1 : epoch_ + 1;
  for (std::int64_t e = from; e <= epoch; ++e) {
    Bucket& b = buckets_[static_cast<std::size_t>(((e % n) + n) % n)];
    if (b.epoch != e) {
      totals_.calls -= b.totals.calls;
      totals_.failures -= b.totals.failures;
      totals_.slow -= b.totals.slow;
      b.totals = {};
      b.epoch = e;
    }
  }
  epoch_ = epoch;
}

void TimeWindow::record(TimePoint now, bool failure, bool slow) {
  advance(now);
  const auto n = static_cast<std::int64_t>(buckets_.size());
  const std::int64_t epoch = std::max(epoch_, now >= 0 ? now / width_ : (now - width_ + 1) / width_);
  Bucket& b = buckets_[static_cast<std::size_t>(((epoch % n) + n) % n)];
  // A late result (time went backwards across threads) lands in the newest bucket.
  ++b.totals.calls;
  ++totals_.calls;
  if (failure) ++b.totals.failures, ++totals_.failures;
  if (slow) ++b.totals.slow, ++totals_.slow;
}

const WindowTotals& TimeWindow::totals(TimePoint now) {
  advance(now);
  return totals_;
}

void TimeWindow::clear() {
  for (auto& b : buckets_) b = Bucket{};
  epoch_ = INT64_MIN;
  totals_ = {};
}

}  // namespace gateway
