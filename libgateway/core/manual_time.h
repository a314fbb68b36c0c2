// A manual clock and a deterministic scheduler: the simulator's virtual time and the
// tests' frozen time. Timers fire in (time, sequence number) order, so two timers at the
// same instant fire in the order they were scheduled (Envoy's simulated time system).
// Not thread-safe: the simulated world has one thread.
#pragma once

#include <cstdint>
#include <vector>

#include "libgateway/core/env.h"

namespace gateway {

class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = 0) : now_(start) {}
  TimePoint now() const override { return now_; }
  void set(TimePoint t) { now_ = t; }
  void advance(Duration d) { now_ += d; }

 private:
  TimePoint now_;
};

// Owns the event queue; moves `clock` forward as it fires timers.
class ManualScheduler final : public Scheduler {
 public:
  explicit ManualScheduler(ManualClock& clock) : clock_(clock) {}

  TimerId schedule(TimePoint at, Callback callback) override;
  void cancel(TimerId id) override;

  // Fires the earliest pending timer, moving the clock to its time (never backwards).
  // Returns false when nothing is pending.
  bool runNext() { return runNextUntil(kNever); }
  // runNext() when the earliest pending timer is due at or before `until`; false otherwise
  // (one look at the queue where nextTime() then runNext() took two).
  bool runNextUntil(TimePoint until);
  // Fires every timer due at or before `until`, then sets the clock to `until`.
  std::size_t runUntil(TimePoint until);
  // Fires timers until none is left or `maxEvents` have fired.
  std::size_t runAll(std::size_t maxEvents = SIZE_MAX);

  std::size_t pending() const { return live_; }
  TimePoint nextTime() const;  // kNever when empty
  std::uint64_t fired() const { return fired_; }

 private:
  // The heap holds small plain entries; callbacks live in a slab indexed by `slot`, so heap
  // moves never touch a std::function. A slot's `id` tells whether the entry is still live
  // (cancelled or fired entries no longer match).
  // A TimerId is (sequence << kSlotBits) | slot: ordering by id orders by sequence.
  static constexpr int kSlotBits = 28;
  struct Entry {
    TimePoint at;
    TimerId id;
    std::uint32_t slot() const { return static_cast<std::uint32_t>(id & ((TimerId{1} << kSlotBits) - 1)); }
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.at != b.at ? a.at > b.at : a.id > b.id;
    }
  };
  struct Slot {
    TimerId id = 0;  // 0: free
    Callback callback;
  };
  void dropCancelledTop();
  bool live(const Entry& e) const { return slots_[e.slot()].id == e.id; }

  ManualClock& clock_;
  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> freeSlots_;
  std::size_t live_ = 0;
  TimerId nextSequence_ = 1;
  std::uint64_t fired_ = 0;
};

}  // namespace gateway
