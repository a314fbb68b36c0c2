// The per-key state of SlidingLog: the admitted requests of the last window, oldest first,
// in a ring buffer that grows by doubling up to the limit and is freed when empty.
// Not thread-safe (guarded by its LimiterStore shard); owns its heap buffer, copyable.
// Memory: 32 bytes inline + a ring of 16-byte entries, one per distinct admission time in
// the window (<= limit), sized to the next power of two (so < 32 * limit bytes); 0 when empty.
#pragma once

#include <cstdint>
#include <memory>

#include "libgateway/core/time.h"

namespace gateway {

class SlidingLogState {
 public:
  struct Entry {
    TimePoint at;       // admission time
    std::int64_t cost;  // cost admitted at that time (same-time admissions are merged)
  };

  SlidingLogState() = default;
  SlidingLogState(const SlidingLogState& other);
  SlidingLogState& operator=(const SlidingLogState& other);
  SlidingLogState(SlidingLogState&&) noexcept = default;
  SlidingLogState& operator=(SlidingLogState&&) noexcept = default;

  bool empty() const { return size_ == 0; }
  std::uint32_t size() const { return size_; }
  // Sum of the costs in the log.
  std::int64_t total() const { return total_; }
  // i-th entry, 0 = oldest.
  const Entry& entry(std::uint32_t i) const { return ring_[(head_ + i) & (capacity_ - 1)]; }
  const Entry& newest() const { return entry(size_ - 1); }

  // Appends (or merges into the newest entry when `at` equals its time); `at` must not be
  // earlier than newest().at. Grows the ring as needed.
  void push(TimePoint at, std::int64_t cost);
  // Drops every entry with time <= `cutoff`; frees or shrinks the ring when it empties out.
  void expire(TimePoint cutoff);

  std::int64_t heapBytes() const { return static_cast<std::int64_t>(capacity_) * sizeof(Entry); }

 private:
  void resize(std::uint32_t capacity);

  std::unique_ptr<Entry[]> ring_;
  std::uint32_t capacity_ = 0;  // a power of two, or 0
  std::uint32_t head_ = 0;
  std::uint32_t size_ = 0;
  std::int64_t total_ = 0;
};

}  // namespace gateway
