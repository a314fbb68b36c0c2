// stale-while-revalidate's background refresh (RFC 5861). The client that found a stale
// entry is answered with it at once; the cache stage then hands the refresh here: the same
// GET, sent upstream as an UpstreamCall of its own (the route's target, so its balancing,
// breaker, retries and deadline), owned by a small exchange this refresher keeps, not by
// the client's. Its answer is offered to the store and ends the key's fill (whose lease
// the refresh holds, so at most one refresh per key runs, across workers). No client ever
// waits for it. One per cache stage, so per Gateway and thread.
#pragma once

#include <list>
#include <memory>
#include <string>

#include "libgateway/cache/cache_registry.h"
#include "libgateway/core/env.h"
#include "libgateway/pipeline/upstream_caller.h"

namespace gateway {

struct Exchange;
class SharedState;

class CacheRefresher final : private CallListener {
 public:
  CacheRefresher(Env& env, SharedState& shared);
  ~CacheRefresher() override;
  CacheRefresher(const CacheRefresher&) = delete;
  CacheRefresher& operator=(const CacheRefresher&) = delete;

  // Refreshes `key` of `cache` with `client`'s request (its route, target and fields;
  // conditional and range fields dropped). `lease` is the key's fill.
  void start(const Exchange& client, std::shared_ptr<RouteCache> cache, std::string key, FillLease lease);
  std::size_t active() const { return live_.size(); }

 private:
  struct Refresh;
  void onCallAnswer(UpstreamCall& call, Response&& response, std::string_view outcome) override;
  void complete(Refresh* refresh, const Response& response, bool wholeBody, bool fromUpstream);

  Env& env_;
  SharedState& shared_;
  UpstreamCaller caller_;                       // before live_: outlives the calls
  std::list<std::unique_ptr<Refresh>> live_;
};

}  // namespace gateway
