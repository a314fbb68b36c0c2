#include "libgateway/ratelimit/sliding_log_state.h"

namespace gateway {

namespace {
constexpr std::uint32_t kMinCapacity = 4;
}  // namespace

SlidingLogState::SlidingLogState(const SlidingLogState& other) { *this = other; }

SlidingLogState& SlidingLogState::operator=(const SlidingLogState& other) {
  if (this == &other) return *this;
  ring_.reset(other.capacity_ ? new Entry[other.capacity_] : nullptr);
  capacity_ = other.capacity_;
  head_ = 0;
  size_ = other.size_;
  total_ = other.total_;
  for (std::uint32_t i = 0; i < size_; ++i) ring_[i] = other.entry(i);
  return *this;
}

void SlidingLogState::resize(std::uint32_t capacity) {
  std::unique_ptr<Entry[]> ring(capacity ? new Entry[capacity] : nullptr);
  for (std::uint32_t i = 0; i < size_; ++i) ring[i] = entry(i);
  ring_ = std::move(ring);
  capacity_ = capacity;
  head_ = 0;
}

void SlidingLogState::push(TimePoint at, std::int64_t cost) {
  total_ += cost;
  if (size_ > 0) {
    Entry& last = ring_[(head_ + size_ - 1) & (capacity_ - 1)];
    if (last.at == at) {
      last.cost += cost;
      return;
    }
  }
  if (size_ == capacity_) resize(capacity_ ? capacity_ * 2 : kMinCapacity);
  ring_[(head_ + size_) & (capacity_ - 1)] = Entry{at, cost};
  ++size_;
}

void SlidingLogState::expire(TimePoint cutoff) {
  while (size_ > 0 && ring_[head_].at <= cutoff) {
    total_ -= ring_[head_].cost;
    head_ = (head_ + 1) & (capacity_ - 1);
    --size_;
  }
  if (size_ == 0) {
    ring_.reset();
    capacity_ = head_ = 0;
  } else if (capacity_ > kMinCapacity && size_ <= capacity_ / 4) {
    resize(capacity_ / 2);
  }
}

}  // namespace gateway
