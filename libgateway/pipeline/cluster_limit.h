// The cluster-wide side of rate limiting: how a cluster-scoped policy names its keys in the
// shared store, what its instance enforces alone when the store cannot answer (on_failure),
// and the store's health, shared by every worker of the process (one Redis for all policies).
// ClusterHealth is thread-safe (atomics); ClusterLimit is immutable once built.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "libgateway/config/config.h"
#include "libgateway/core/time.h"
#include "libgateway/pipeline/window_sync.h"
#include "libgateway/ratelimit/limiter_store.h"

namespace gateway {

// Whether the shared store answers, with a probe schedule while it does not: a decision that
// finds the store down does not wait for its timeout again; one decision per retry interval
// tries it, and the first answer brings every decision back. Transitions are logged once.
class ClusterHealth {
 public:
  struct Stats {
    bool up = true;
    std::int64_t sent = 0;         // decisions sent to the store
    std::int64_t failed = 0;       // answered with an error or a timeout
    std::int64_t skipped = 0;      // not sent: the store was down and no probe was due
    std::int64_t transitions = 0;  // up->down and down->up
    std::int64_t failOpen = 0, failClosed = 0, fallback = 0;  // what on_failure did, per decision
    std::int64_t moved = 0, asked = 0;  // Redis Cluster redirects followed
  };

  // `log` receives one line per transition (gatewayd prints it; null: silent).
  void setLog(std::function<void(std::string_view)> log);

  // True when this decision should go to the store: it is up, or a probe is due at `now`.
  bool shouldTry(TimePoint now, Duration retryInterval);
  void sent() { sent_.fetch_add(1, std::memory_order_relaxed); }
  void succeeded();
  // A failure at `now`: when it takes the store down, the first probe is due a retry interval on.
  void failed(TimePoint now, Duration retryInterval, std::string_view error);
  void countFailure(ClusterLimitFailure what);
  void countRedirect(bool moved) { (moved ? moved_ : asked_).fetch_add(1, std::memory_order_relaxed); }

  bool up() const { return up_.load(std::memory_order_acquire); }
  Stats stats() const;

 private:
  std::atomic<bool> up_{true};
  std::atomic<TimePoint> nextProbe_{0};
  std::atomic<std::int64_t> sent_{0}, failed_{0}, skipped_{0}, transitions_{0};
  std::atomic<std::int64_t> failOpen_{0}, failClosed_{0}, fallback_{0};
  std::atomic<std::int64_t> moved_{0}, asked_{0};
  std::mutex logMutex_;
  std::function<void(std::string_view)> log_;
};

// One cluster-scoped policy as a route applies it.
struct ClusterLimit {
  const ClusterLimitsConfig* settings = nullptr;  // in the config the runtime holds
  std::string keyPrefix;   // "<key_prefix>{<policy id>:<spec digest>:" (see clusterKey)
  std::shared_ptr<LimiterStore> fallback;  // local_fallback: this instance's share of the limit
  std::shared_ptr<ClusterHealth> health;
  std::shared_ptr<WindowSync> sync;  // mode "sync": the instance's window counts (window_sync.h)
};

// The store key of one limiter key: keyPrefix + 16 hex digits of the SHA-256 of `localKey` +
// "}". The hash tag ({...}) keeps a key's state in one Redis Cluster slot; the digest keeps
// consumer ids and API keys out of Redis; the spec digest starts a changed policy afresh.
void clusterKey(const ClusterLimit& limit, std::string_view localKey, std::string& out);

// "<key_prefix>v2:{<id>:<8 hex digits of the spec>:" (v2: the layout of the state in Redis)
std::string clusterKeyPrefix(std::string_view keyPrefix, std::string_view id, const LimiterSpec& spec);

// The part of `spec` one of `instances` gateways enforces alone: rate, burst and limit divided
// by `instances`, rounded down, so that the instances together stay within it; but at least 1
// each, so with more instances than a value (20 instances, limit 10) they admit more.
LimiterSpec instanceShare(const LimiterSpec& spec, std::int64_t instances);

}  // namespace gateway
