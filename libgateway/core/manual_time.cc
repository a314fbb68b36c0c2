#include "libgateway/core/manual_time.h"

#include <algorithm>

namespace gateway {

TimerId ManualScheduler::schedule(TimePoint at, Callback callback) {
  std::uint32_t slot;
  if (!freeSlots_.empty()) {
    slot = freeSlots_.back();
    freeSlots_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  const TimerId id = (nextSequence_++ << kSlotBits) | slot;
  slots_[slot].id = id;
  slots_[slot].callback = std::move(callback);
  heap_.push_back(Entry{std::max(at, clock_.now()), id});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  ++live_;
  return id;
}

void ManualScheduler::cancel(TimerId id) {
  const auto slot = static_cast<std::uint32_t>(id & ((TimerId{1} << kSlotBits) - 1));
  if (id == 0 || slot >= slots_.size() || slots_[slot].id != id) return;  // fired or cancelled
  slots_[slot].id = 0;
  slots_[slot].callback = nullptr;
  freeSlots_.push_back(slot);
  --live_;
  // Cancelled entries stay in the heap until they reach the top. Deadlines are cancelled
  // long before they are due, so drop them in one pass once they outnumber the live ones.
  if (heap_.size() > 4 * live_ + 4096) {
    std::erase_if(heap_, [this](const Entry& e) { return !live(e); });
    std::make_heap(heap_.begin(), heap_.end(), Later{});
  }
}

void ManualScheduler::dropCancelledTop() {
  while (!heap_.empty() && !live(heap_.front())) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    heap_.pop_back();
  }
}

TimePoint ManualScheduler::nextTime() const {
  const_cast<ManualScheduler*>(this)->dropCancelledTop();
  return heap_.empty() ? kNever : heap_.front().at;
}

bool ManualScheduler::runNextUntil(TimePoint until) {
  dropCancelledTop();
  if (heap_.empty() || heap_.front().at > until) return false;
  const Entry e = heap_.front();
  std::pop_heap(heap_.begin(), heap_.end(), Later{});
  heap_.pop_back();
  Slot& slot = slots_[e.slot()];
  Callback callback = std::move(slot.callback);
  slot.id = 0;
  slot.callback = nullptr;
  freeSlots_.push_back(e.slot());
  --live_;
  if (e.at > clock_.now()) clock_.set(e.at);
  ++fired_;
  callback();
  return true;
}

std::size_t ManualScheduler::runUntil(TimePoint until) {
  std::size_t n = 0;
  while (runNextUntil(until)) ++n;
  if (until > clock_.now()) clock_.set(until);
  return n;
}

std::size_t ManualScheduler::runAll(std::size_t maxEvents) {
  std::size_t n = 0;
  while (n < maxEvents && runNext()) ++n;
  return n;
}

}  // namespace gateway
