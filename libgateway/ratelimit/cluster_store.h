// The cluster-wide rate-limit store as the gateway core sees it: a decision sent away and
// answered later. gatewayd's implementation runs the Lua scripts of limit_script.h in Redis
// (libgateway/net/redis_limit_client.h); gwsim's is a simulated Redis with latency and outages.
// One per worker thread (it lives in the worker's Env): every call and every callback happens
// on that thread. Callbacks are never run inline, and each runs exactly once: with the answer,
// or with ok=false on an error or when the store's timeout passes first.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "libgateway/core/time.h"
#include "libgateway/ratelimit/limit_decision.h"
#include "libgateway/ratelimit/limiter_spec.h"

namespace gateway {

struct ClusterAnswer {
  bool ok = false;
  LimitDecision decision;   // decide()
  std::int64_t count = 0;   // addToWindow(): the cluster's count in the window
  std::string_view error;   // why not ok ("timeout", "connection refused", a Redis error)
  std::string holder;       // concurrency, admitted: who holds the units (release() takes it)
};

// How long a concurrency unit is held when its release never comes: `lease`, but at least 1 ms
// (Redis keeps expiries in whole milliseconds). Every store holds units this long.
inline Duration concurrencyHoldFor(Duration lease) { return std::max(lease, kMillisecond); }

class ClusterStore {
 public:
  using Done = std::function<void(const ClusterAnswer&)>;
  virtual ~ClusterStore() = default;

  // Expires when the store is destroyed: what holds a unit to give back (an exchange's
  // concurrency hold) checks it first, since an exchange may outlive its worker's store.
  std::weak_ptr<const bool> lifeline() const { return alive_; }

  // One atomic decision for `key` (a full store key, clusterKey() in pipeline/cluster_limit.h)
  // under `spec`, at the gateway's `now`. Concurrency: the units admitted are held by a holder
  // of the store's naming (the answer's `holder`) until release() or until `lease` has passed
  // since the admission, whichever comes first (limit_script.h).
  virtual void decide(const LimiterSpec& spec, std::string_view key, TimePoint now, std::int64_t cost,
                      Duration lease, Done done) = 0;
  // Concurrency: `holder` gives its `cost` units back. Fire and forget.
  virtual void release(std::string_view key, std::string_view holder, std::int64_t cost) = 0;
  // Sync mode: adds `delta` to window number `window` of `key`; answers the cluster's count.
  virtual void addToWindow(std::string_view key, std::int64_t window, std::int64_t delta, Duration ttl,
                           Done done) = 0;

 private:
  std::shared_ptr<const bool> alive_ = std::make_shared<const bool>(true);
};

}  // namespace gateway
