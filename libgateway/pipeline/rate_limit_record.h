// What the rate limits decided for one exchange (RateLimitStage writes it; the access log,
// metrics and the simulator read it), and the concurrency-limit slots it holds until the
// answer. Part of Exchange; one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libgateway/core/time.h"
#include "libgateway/http/headers.h"
#include "libgateway/ratelimit/cluster_store.h"
#include "libgateway/ratelimit/limiter_store.h"

namespace gateway {

struct RateLimitRecord {
  RateLimitRecord() = default;
  RateLimitRecord(const RateLimitRecord&) = delete;
  RateLimitRecord& operator=(const RateLimitRecord&) = delete;
  // Slots still held (the exchange ended without an answer) are given back.
  ~RateLimitRecord() { releaseHolds(heldSince_); }

  const std::string* policy = nullptr;  // the policy that denied, or the last that allowed; null: no limit
  bool denied = false;                  // answered 429 (or 503 when `unavailable`)
  bool unavailable = false;             // a cluster limit's store did not answer and on_failure is fail_closed
  std::int64_t remaining = 0;
  Duration retryAfter = 0;              // when denied; kNever if no wait will do
  Duration delay = 0;                   // leaky bucket: how long the request was held
  Headers headers;                      // added to the response (RateLimit-Policy, RateLimit, ...)

  bool applied() const { return policy != nullptr; }
  // "allow", "deny", "delay" or "unavailable".
  std::string_view result() const { return unavailable ? "unavailable" : denied ? "deny" : delay > 0 ? "delay" : "allow"; }
  // "allow:free r=4", "deny:free retry=120000us", "delay:free d=5000us" or "" (no limit).
  std::string decision() const;

  // A concurrency limit's slot, given back when the answer goes (or the exchange ends).
  void hold(std::shared_ptr<LimiterStore> store, std::string key, TimePoint now) {
    holds_.push_back({std::move(store), nullptr, {}, std::move(key), {}});
    heldSince_ = now;
  }
  // The same for a cluster-scoped limit: `holder`'s unit is given back in the cluster store, if
  // that still exists (an exchange can outlive a stopping worker's store; its lease then frees it).
  void hold(ClusterStore& store, std::string key, std::string holder, TimePoint now) {
    holds_.push_back({nullptr, &store, store.lifeline(), std::move(key), std::move(holder)});
    heldSince_ = now;
  }
  bool holding() const { return !holds_.empty(); }
  void releaseHolds(TimePoint now) {
    for (auto& h : holds_) h.release(now);
    holds_.clear();
  }
  // The holds as one object that releases them when destroyed (at `now`): a streamed answer
  // keeps its concurrency slots until its body is done (BodyStream::keep).
  std::shared_ptr<void> takeHolds(TimePoint now) {
    struct Held {
      std::vector<Hold> holds;
      TimePoint at;
      ~Held() {
        for (auto& h : holds) h.release(at);
      }
    };
    auto held = std::make_shared<Held>();
    held->holds = std::move(holds_);
    held->at = now;
    holds_.clear();
    return held;
  }

 private:
  struct Hold {
    std::shared_ptr<LimiterStore> store;
    ClusterStore* cluster;
    std::weak_ptr<const bool> clusterAlive;
    std::string key;
    std::string holder;  // cluster holds
    void release(TimePoint now) {
      if (!cluster) store->release(key, now);
      else if (!clusterAlive.expired()) cluster->release(key, holder, 1);
    }
  };
  std::vector<Hold> holds_;
  TimePoint heldSince_ = 0;
};

}  // namespace gateway
