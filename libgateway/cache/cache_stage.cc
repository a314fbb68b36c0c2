#include "libgateway/cache/cache_stage.h"

#include <fmt/format.h>

#include "libgateway/cache/cache_control.h"
#include "libgateway/pipeline/exchange.h"
#include "libgateway/pipeline/shared_state.h"

namespace gateway {

namespace {

// The cache's state for one exchange.
struct CacheExchangeState final : StageState {
  enum class Mode { kAnswered, kBypass, kFetch, kWaiting };
  Mode mode = Mode::kBypass;
  std::shared_ptr<RouteCache> cache;
  std::string key;
  CacheResult label = CacheResult::kMiss;  // what a fetch's answer says: MISS or EXPIRED
  bool mayStore = false;                   // a fetch whose answer is offered to the store
  std::uint64_t epoch = 0;                 // the store's purge epoch when the fetch began
  FillLease lease;                         // the key's fill, when this exchange fills it
};
using CacheMode = CacheExchangeState::Mode;

// A request paused until another's fill of its key ends. Lives on its exchange's thread:
// the fill's wake is posted there, and its timer runs there.
struct CacheWaiter {
  Resumer resumer;
  std::shared_ptr<RouteCache> cache;
  std::string key;
  std::size_t slot = 0;
  const Clock* clock = nullptr;
  Scheduler* scheduler = nullptr;
  std::uint64_t id = 0;
  TimerId timer = 0;
  bool head = false;
  bool done = false;
};

// Who the key is for: the caller the gateway identified, if any.
std::string identityOf(const Exchange& ex) {
  if (ex.authMethod.empty()) return {};
  return fmt::format("{}:{}:{}", ex.authMethod, ex.consumer, ex.userId);
}

// Credentials the gateway did not check go upstream, which may answer for that caller only:
// such requests bypass the cache unless the route keys on the field.
bool carriesForeignCredentials(const Exchange& ex, const CacheSettings& s) {
  const Headers& h = ex.request.headers;
  if (ex.authMethod != "jwt" && h.has("authorization") && !s.varies("authorization")) return true;
  return h.has("cookie") && !s.varies("cookie");
}

// The waiter's own fetch, or the stale copy when the upstream failed and stale-if-error allows it.
void releaseWaiter(CacheWaiter& w, bool upstreamFailed) {
  Exchange& ex = *w.resumer.exchange();
  auto* state = ex.stageState<CacheExchangeState>(w.slot);
  const TimePoint now = w.clock->now();
  if (upstreamFailed) {
    if (auto entry = w.cache->store().find(w.key, ex.request.headers); entry && entry->usableOnError(now)) {
      state->mode = CacheMode::kAnswered;
      ex.outcome = "cache_stale";
      w.cache->count(CacheResult::kStale);
      w.resumer.answer(cachedAnswer(*entry, now, w.head, w.cache->settings().headerStyle, CacheResult::kStale));
      return;
    }
  }
  state->mode = CacheMode::kFetch;
  state->mayStore = !w.head;
  state->epoch = w.cache->store().epoch();
  w.resumer.resume();
}

void wakeWaiter(const std::shared_ptr<CacheWaiter>& w, const FillOutcome& outcome) {
  if (w->done) return;
  w->done = true;
  if (w->timer != 0) w->scheduler->cancel(w->timer);
  w->timer = 0;
  if (!w->resumer.pending()) return;  // its exchange or Gateway is gone
  Exchange& ex = *w->resumer.exchange();
  if (outcome.entry && varyMatches(outcome.entry->vary, ex.request.headers)) {
    ex.stageState<CacheExchangeState>(w->slot)->mode = CacheMode::kAnswered;
    ex.outcome = "cache_coalesced";
    w->cache->countCoalesced();
    w->resumer.answer(
        cachedAnswer(*outcome.entry, w->clock->now(), w->head, w->cache->settings().headerStyle, CacheResult::kHit));
    return;
  }
  releaseWaiter(*w, outcome.upstreamFailed);
}

void waiterTimedOut(const std::shared_ptr<CacheWaiter>& w) {
  w->timer = 0;
  if (w->done || !w->cache->fills()->leave(w->key, w->id)) return;  // else its wake is on the way
  w->done = true;
  // A fill slower than the wait counts as a failure for stale-if-error.
  if (w->resumer.pending()) releaseWaiter(*w, true);
}

}  // namespace

CacheStage::CacheStage(SharedState& shared, Env& env, std::size_t slot)
    : shared_(shared),
      env_(env),
      slot_(slot),
      registry_(shared.stageShared<CacheRegistry>("cache", [&] { return std::make_shared<CacheRegistry>(shared, slot); })),
      refresher_(env, shared) {}

CacheStage::~CacheStage() {
  // No fill may post to this worker's scheduler once its Gateway is gone.
  registry_->forget(env_.scheduler);
  for (const auto& cache : memo_) {
    if (cache) cache->fills()->forget(env_.scheduler);
  }
}

StageSpec CacheStage::spec() {
  return {"cache", {"cache", &loadCacheSettings},
          [](const StageSetup& setup) -> std::unique_ptr<Stage> {
            return std::make_unique<CacheStage>(setup.shared, setup.env, setup.slot);
          },
          [](const RouteConfig& route, std::size_t slot) { return route.extension<CacheSettings>(slot) != nullptr; }};
}

std::shared_ptr<RouteCache> CacheStage::cacheFor(const Exchange& ex) {
  const RouteConfig* route = ex.route();
  if (!route || slot_ >= route->extensions.size() || !route->extensions[slot_]) return nullptr;
  if (memoRuntime_ != ex.runtime) {
    memoRuntime_ = ex.runtime;
    memo_.assign(ex.runtime->config().routes.size(), nullptr);
  }
  auto& cache = memo_[ex.routeIndex];
  if (!cache) {
    cache = registry_->forRoute(route->name, std::static_pointer_cast<const CacheSettings>(route->extensions[slot_]));
    if (!reporting_) shared_.addReporter(registry_);  // false when another worker did it first
    reporting_ = true;
  }
  return cache;
}

std::optional<Response> CacheStage::onRequest(Exchange& ex) {
  std::shared_ptr<RouteCache> cache = cacheFor(ex);
  if (!cache) return std::nullopt;
  const CacheSettings& s = cache->settings();
  auto owned = std::make_unique<CacheExchangeState>();
  CacheExchangeState& state = *owned;
  state.cache = cache;
  ex.setStageState(slot_, std::move(owned));

  const Request& req = ex.request;
  const bool head = req.method == "HEAD";
  RequestCacheControl rc;
  if (s.respectCacheControl) rc = requestCacheControl(req.headers);
  if ((req.method != "GET" && !head) || req.headers.has("range") || carriesForeignCredentials(ex, s) || rc.noStore) {
    state.mode = CacheMode::kBypass;
    cache->count(CacheResult::kBypass);
    return std::nullopt;
  }
  const std::string identity = identityOf(ex);
  std::string key = cacheKey({req.method, req.path(), req.query(), &req.headers, &s.varyHeaders, identity});
  const TimePoint now = env_.clock.now();
  CacheResult label = CacheResult::kMiss;
  if (auto entry = cache->store().find(key, req.headers)) {
    label = CacheResult::kExpired;
    const bool tooOld = rc.maxAge && entry->age(now) > seconds(*rc.maxAge);
    if (!rc.noCache && !tooOld) {
      if (entry->fresh(now)) {
        state.mode = CacheMode::kAnswered;
        ex.outcome = "cache_hit";
        cache->count(CacheResult::kHit);
        return cachedAnswer(*entry, now, head, s.headerStyle, CacheResult::kHit);
      }
      // A background refresh is one upstream call on the route's target; an aggregation
      // route has none (its stage runs the parts), so its stale copies are refilled in line.
      if (entry->revalidatable(now) && !ex.runtime->route(ex.routeIndex).target.backends.empty()) {
        // Stale within stale-while-revalidate: answered now; one refresh per key runs.
        if (cache->fills()->tryLead(key)) {
          refresher_.start(ex, cache, key, FillLease(cache->fills(), key, cache->store().epoch()));
        }
        state.mode = CacheMode::kAnswered;
        ex.outcome = "cache_stale";
        cache->count(CacheResult::kStale);
        return cachedAnswer(*entry, now, head, s.headerStyle, CacheResult::kStale);
      }
    }
    if (entry->dead(now)) cache->store().erase(key, entry.get());
  }
  return fillOrWait(ex, std::move(cache), std::move(key), label);
}

std::optional<Response> CacheStage::fillOrWait(Exchange& ex, std::shared_ptr<RouteCache> cache, std::string key,
                                               CacheResult label) {
  auto& state = *ex.stageState<CacheExchangeState>(slot_);
  const CacheSettings& s = cache->settings();
  const bool head = ex.request.method == "HEAD";
  state.key = key;
  state.label = label;
  state.epoch = cache->store().epoch();
  state.mode = CacheMode::kFetch;
  // A HEAD answer has no body to store: it goes upstream on its own.
  state.mayStore = !head;
  if (head || !s.coalesce) return std::nullopt;

  auto w = std::make_shared<CacheWaiter>();
  const FillRegistry::Join join =
      cache->fills()->leadOrWait(key, env_.scheduler, [w](const FillOutcome& outcome) { wakeWaiter(w, outcome); });
  if (join.leader) {
    state.lease = FillLease(cache->fills(), std::move(key), state.epoch);
    return std::nullopt;
  }
  // Another request fills the key: wait for its wake (posted to this thread, so never
  // before this returns) or for the coalesce timeout.
  state.mode = CacheMode::kWaiting;
  w->cache = std::move(cache);
  w->key = std::move(key);
  w->slot = slot_;
  w->clock = &env_.clock;
  w->scheduler = &env_.scheduler;
  w->id = join.waiter;
  w->head = head;
  w->resumer = ex.pause();
  w->timer = env_.scheduler.schedule(env_.clock.now() + s.coalesceTimeout, [w] { waiterTimedOut(w); });
  return std::nullopt;
}

std::size_t CacheStage::responseBodyLimit(const Exchange& ex) const {
  const auto* state = ex.stageState<CacheExchangeState>(slot_);
  return state && state->mode == CacheMode::kFetch && state->mayStore ? state->cache->settings().maxEntryBytes : 0;
}

void CacheStage::onResponse(Exchange& ex, Response& response) {
  auto* state = ex.stageState<CacheExchangeState>(slot_);
  if (!state) return;
  RouteCache& cache = *state->cache;
  const CacheSettings& s = cache.settings();
  if (state->mode == CacheMode::kBypass) return setCacheStatus(response.headers, s.headerStyle, CacheResult::kBypass);
  if (state->mode != CacheMode::kFetch) return;  // answered from the cache, status set

  const TimePoint now = env_.clock.now();
  // An aggregation's complete answer is stored like an upstream's; a partial or failed one is
  // the gateway's own (never stored; stale-if-error may answer instead).
  const bool fromUpstream = ex.outcome == "upstream" || ex.outcome == "aggregate";
  if (errorForStaleIfError(response.status, fromUpstream)) {
    if (auto entry = cache.store().find(state->key, ex.request.headers); entry && entry->usableOnError(now)) {
      state->lease.finish({nullptr, true});  // the waiters look for the stale copy themselves
      state->mode = CacheMode::kAnswered;
      ex.outcome = "cache_stale";  // the upstream's failure stays in its record (upstream())
      cache.count(CacheResult::kStale);
      response = cachedAnswer(*entry, now, ex.request.method == "HEAD", s.headerStyle, CacheResult::kStale);
      return;
    }
  }
  if (state->mayStore) {
    OfferFacts facts;
    facts.wholeBody = response.stream == nullptr;
    facts.fromUpstream = fromUpstream;
    facts.now = now;
    facts.unixNow = (now + shared_.unixTimeOffset()) / kSecond;
    facts.fetchTime = now - ex.start;
    facts.epoch = state->epoch;
    state->lease.finish(cache.offer(state->key, ex.request.path(), ex.request.headers, response, facts));
  }
  cache.count(state->label);
  setCacheStatus(response.headers, s.headerStyle, state->label);
}

}  // namespace gateway
