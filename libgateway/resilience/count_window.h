// A count-based sliding window of call outcomes (Resilience4j COUNT_BASED): the last `size`
// calls, with running totals of calls, failures and slow calls kept O(1) by subtracting the
// outcome that falls out. Not thread-safe; owned by one CircuitBreaker under its lock.
#pragma once

#include <cstdint>
#include <vector>

namespace gateway {

struct WindowTotals {
  std::uint64_t calls = 0;
  std::uint64_t failures = 0;
  std::uint64_t slow = 0;
};

class CountWindow {
 public:
  explicit CountWindow(std::uint32_t size);
  void record(bool failure, bool slow);
  const WindowTotals& totals() const { return totals_; }
  void clear();

 private:
  std::vector<std::uint8_t> ring_;  // bit 0: failure, bit 1: slow
  std::size_t next_ = 0;
  WindowTotals totals_;
};

}  // namespace gateway
