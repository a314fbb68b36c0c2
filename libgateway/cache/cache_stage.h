// The response cache as a stage (libgateway/README.md, "Response cache"), on routes with a
// "cache" field. On the way in: a fresh stored answer is a local answer (HIT); a stale one
// within stale-while-revalidate is answered at once (STALE) while one background refresh
// runs (cache_refresh.h); otherwise the request fills the key (MISS / EXPIRED) or, when
// another request is filling it already (on any worker), pauses until that fill ends and is
// answered from it (coalescing, fill_registry.h); bypassed requests (BYPASS) go on untouched.
// On the way out: the filler's answer is stored when the rules allow it (cache_policy.h),
// the waiters are woken, and an upstream failure within stale-if-error is replaced by the
// stale copy. Every answer carries X-Cache (or Kong's X-Cache-Status); stored answers, Age.
// One per Gateway; the stores are shared (cache_registry.h).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "libgateway/cache/cache_refresh.h"
#include "libgateway/cache/cache_registry.h"
#include "libgateway/pipeline/gateway_runtime.h"
#include "libgateway/pipeline/stage.h"
#include "libgateway/pipeline/stage_list.h"

namespace gateway {

class CacheStage final : public Stage {
 public:
  CacheStage(SharedState& shared, Env& env, std::size_t slot);
  ~CacheStage() override;

  std::optional<Response> onRequest(Exchange& exchange) override;
  void onResponse(Exchange& exchange, Response& response) override;
  // The filler reads the answer whole within max_entry_bytes; a longer one passes streamed
  // and is not stored.
  std::size_t responseBodyLimit(const Exchange& exchange) const override;
  bool responseBodyRequired(const Exchange& /*exchange*/) const override { return false; }

  // Its entry in the stage list: the "cache" route field and the factory.
  static StageSpec spec();

 private:
  std::shared_ptr<RouteCache> cacheFor(const Exchange& exchange);
  std::optional<Response> fillOrWait(Exchange& exchange, std::shared_ptr<RouteCache> cache, std::string key,
                                     CacheResult label);

  SharedState& shared_;
  Env& env_;
  std::size_t slot_;
  std::shared_ptr<CacheRegistry> registry_;
  bool reporting_ = false;  // the registry is registered as a reporter
  // The route caches of the runtime last seen, by route index.
  std::shared_ptr<const GatewayRuntime> memoRuntime_;
  std::vector<std::shared_ptr<RouteCache>> memo_;
  CacheRefresher refresher_;
};

}  // namespace gateway
