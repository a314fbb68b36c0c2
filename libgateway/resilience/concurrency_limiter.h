// Concurrency caps for one service (Envoy circuit-breaker thresholds max_requests and
// max_pending_requests): at most `limit` requests in flight upstream, and at most max_pending
// waiting for a slot. With `adaptive`, the limit follows Netflix's Gradient2 between
// min_limit and max_requests: it shrinks when the latest round trip is slower than the
// long-term average by more than rtt_tolerance, and grows by a small queue allowance when not
// (only while the limit is actually used). A ConcurrencyPermit holds one slot and gives it
// back when destroyed, so every path (success, error, timeout, cancel) releases it.
// Takes `now`/RTTs as parameters. Thread-safe (a mutex); shared by every worker.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "libgateway/config/config.h"

namespace gateway {

class ConcurrencyLimiter {
 public:
  explicit ConcurrencyLimiter(const ConcurrencyConfig& config);

  // Takes a slot if one is free.
  bool tryAcquire();
  void release();
  // Reserves a place in the pending queue (max_pending); false when it is full.
  bool tryAddPending();
  void removePending();
  // One upstream round trip, for the adaptive limit (`inFlight` when it ended). A dropped
  // call (timeout) counts as a slow sample of `rtt`.
  void onSample(Duration rtt, bool dropped);

  std::uint32_t limit() const;
  std::uint32_t inFlight() const;
  std::uint32_t pending() const;
  std::uint64_t rejected() const;
  const ConcurrencyConfig& config() const { return config_; }

 private:
  const ConcurrencyConfig config_;
  mutable std::mutex mutex_;
  std::uint32_t inFlight_ = 0;
  std::uint32_t pending_ = 0;
  std::uint64_t rejected_ = 0;
  // Gradient2 state.
  double estimatedLimit_;
  double longRtt_ = 0;        // exponential average of round trips
  std::uint64_t samples_ = 0;
};

// One slot of a ConcurrencyLimiter, released on destruction (or reset()). Movable.
class ConcurrencyPermit {
 public:
  ConcurrencyPermit() = default;
  explicit ConcurrencyPermit(std::shared_ptr<ConcurrencyLimiter> limiter) : limiter_(std::move(limiter)) {}
  ConcurrencyPermit(ConcurrencyPermit&&) noexcept = default;
  ConcurrencyPermit& operator=(ConcurrencyPermit&& other) noexcept;
  ~ConcurrencyPermit() { reset(); }
  void reset();
  explicit operator bool() const { return limiter_ != nullptr; }
  ConcurrencyLimiter* limiter() const { return limiter_.get(); }

 private:
  std::shared_ptr<ConcurrencyLimiter> limiter_;
};

}  // namespace gateway
