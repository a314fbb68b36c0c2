#include "libgateway/resilience/count_window.h"

#include <algorithm>

namespace gateway {

CountWindow::CountWindow(std::uint32_t size) : ring_(std::max<std::uint32_t>(1, size)) {}

void CountWindow::record(bool failure, bool slow) {
  std::uint8_t& slot = ring_[next_];
  if (totals_.calls == ring_.size()) {
    totals_.failures -= slot & 1;
    totals_.slow -= (slot >> 1) & 1;
  } else {
    ++totals_.calls;
  }
  slot = static_cast<std::uint8_t>((failure ? 1 : 0) | (slow ? 2 : 0));
  totals_.failures += failure ? 1 : 0;
  totals_.slow += slow ? 1 : 0;
  next_ = (next_ + 1) % ring_.size();
}

void CountWindow::clear() {
  std::fill(ring_.begin(), ring_.end(), 0);
  next_ = 0;
  totals_ = {};
}

}  // namespace gateway
