// The lock of one LimiterStore shard: a test-and-test-and-set spin lock that pauses briefly,
// then yields the CPU (the holder may have been preempted). Lockable, not recursive.
// Why not std::mutex: in a multi-threaded process its lock+unlock costs two locked atomic
// operations (~15 ns here), this one costs one plus a plain store (~7 ns); critical sections
// are a hash probe and one decision, tens of nanoseconds. See bench/ratelimit_bench.cc.
#pragma once

#include <atomic>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace gateway {

class ShardLock {
 public:
  // The uncontended path is one exchange, inline; waiting is out of line, so that callers
  // keep their values in registers across it (a spilled argument is a reload on every call).
  void lock() noexcept {
    if (!locked_.exchange(true, std::memory_order_acquire)) [[likely]] return;
    lockContended();
  }
  bool try_lock() noexcept {
    return !locked_.load(std::memory_order_relaxed) && !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  // PAUSE takes ~40-140 cycles depending on the CPU; a critical section is ~50-150 cycles.
  static constexpr int kSpinsBeforeYield = 8;
  static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
  }

  [[gnu::noinline, gnu::cold]] void lockContended() noexcept {
    int spins = 0;
    do {
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins < kSpinsBeforeYield) {
          pause();
        } else {
          std::this_thread::yield();
        }
      }
    } while (locked_.exchange(true, std::memory_order_acquire));
  }

  std::atomic<bool> locked_{false};
};

}  // namespace gateway
