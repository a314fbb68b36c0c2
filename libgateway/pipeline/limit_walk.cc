#include "libgateway/pipeline/limit_walk.h"

#include <memory>

#include "libgateway/pipeline/window_sync.h"
#include "libgateway/ratelimit/cluster_store.h"

namespace gateway {

LimitSequence limitsOf(const Exchange& ex) {
  const GatewayRuntime& rt = *ex.runtime;
  const RouteRuntime& route = rt.route(ex.routeIndex);
  LimitSequence limits;
  limits.policies = &route.limiters;
  if (route.perConsumer) {
    const std::string& tierName = ex.consumer.empty() ? rt.config().rateLimits.anonymousTier : ex.tier;
    if (!tierName.empty()) limits.tier = rt.tier(tierName);
  }
  return limits;
}

const RouteLimiter* LimitSequence::at(std::size_t k, bool& perRoute) const {
  if (tier) {
    if (k == 0) {
      perRoute = false;
      return tier;
    }
    --k;
  }
  perRoute = true;
  return k < policies->size() ? &(*policies)[k] : nullptr;
}

void limitKey(const RateLimitPolicy& policy, const Exchange& ex, bool perRoute, std::string& key) {
  key.clear();
  if (perRoute) {
    key += ex.route()->name;
    key += '\x1f';
  }
  switch (policy.key) {
    case LimitKey::kRoute: return;
    case LimitKey::kConsumer:
      if (!ex.consumer.empty()) {
        key += "c:";
        key += ex.consumer;
        return;
      }
      break;
    case LimitKey::kApiKey:
      if (const auto k = ex.request.headers.find(ex.runtime->config().auth.apiKeyHeader)) {
        key += "k:";
        key += *k;
        return;
      }
      break;
    case LimitKey::kHeader:
      if (const auto h = ex.request.headers.find(policy.header)) {
        key += "h:";
        key += *h;
        return;
      }
      break;
    case LimitKey::kClientAddress: break;
  }
  key += "a:";
  key += ex.request.clientIp();
}

namespace {

// Who decided: a store of this instance (a local limit, or a cluster limit's share), the
// cluster store, or nobody (on_failure's fail_open or fail_closed).
enum class DecidedBy { kInstance, kCluster, kNobody };

// Records a decision; false when it refused the request.
// `held`: the cluster store's answer when it decided (its key and who holds a concurrency unit).
struct ClusterHeld {
  const std::string& storeKey;
  const std::string& holder;
};
bool record(Env& env, Exchange& ex, std::vector<AppliedLimit>& applied, const RouteLimiter& l, const LimitDecision& d,
            DecidedBy by, const std::string& key, const ClusterHeld* held = nullptr) {
  const bool unknown = by == DecidedBy::kNobody;
  applied.push_back({&l, l.policy, d, unknown});
  RateLimitRecord& rec = ex.rateLimit();
  if (!d.allowed) return false;
  rec.delay = std::max(rec.delay, d.delay);
  if (l.policy->spec.algorithm == LimiterAlgorithm::kConcurrency && !unknown) {
    // Given back when the answer goes, however the exchange ends.
    if (held) {
      rec.hold(*env.clusterStore, held->storeKey, held->holder, ex.start);
    } else {
      rec.hold(l.cluster ? l.cluster->fallback : l.store, key, ex.start);
    }
  }
  return true;
}

// What a cluster limit decides when its store cannot answer.
bool onFailure(Env& env, Exchange& ex, std::vector<AppliedLimit>& applied, const RouteLimiter& l,
               const std::string& key) {
  const ClusterLimitFailure what = l.cluster->settings->onFailure;
  l.cluster->health->countFailure(what);
  LimitDecision d;
  switch (what) {
    case ClusterLimitFailure::kFailOpen:
      d.allowed = true;
      return record(env, ex, applied, l, d, DecidedBy::kNobody, key);
    case ClusterLimitFailure::kFailClosed:
      d.retryAfter = kSecond;
      ex.rateLimit().unavailable = true;
      return record(env, ex, applied, l, d, DecidedBy::kNobody, key);
    case ClusterLimitFailure::kLocalFallback:
      return record(env, ex, applied, l, l.cluster->fallback->decide(key, ex.start), DecidedBy::kInstance, key);
  }
  return true;
}

}  // namespace

WalkStep walkLimits(Env& env, Exchange& ex, const LimitSequence& limits, std::vector<AppliedLimit>& applied,
                    std::size_t& k, std::string& key) {
  const TimePoint now = ex.start;
  bool perRoute = true;
  for (; const RouteLimiter* l = limits.at(k, perRoute); ++k) {
    limitKey(*l->policy, ex, perRoute, key);
    bool allowed;
    if (!l->cluster) {
      allowed = record(env, ex, applied, *l, l->store->decide(key, now), DecidedBy::kInstance, key);
    } else {
      const ClusterLimitsConfig& cs = *l->cluster->settings;
      if (cs.mode == ClusterLimitMode::kSplit) {
        // No store: this instance's share of the limit, decided here.
        if (!record(env, ex, applied, *l, l->cluster->fallback->decide(key, now), DecidedBy::kInstance, key)) {
          return WalkStep::kDenied;
        }
        continue;
      }
      const bool reachable = env.clusterStore && l->cluster->health->shouldTry(now, cs.retryInterval);
      if (reachable && cs.mode == ClusterLimitMode::kExact) return WalkStep::kAsk;
      if (reachable) {
        std::string storeKey;
        clusterKey(*l->cluster, key, storeKey);
        const LimitDecision d =
            l->cluster->sync->decide(*env.clusterStore, *l->cluster, storeKey, l->policy->spec, now, ex.unixStart);
        allowed = record(env, ex, applied, *l, d, DecidedBy::kInstance, key);
      } else {
        if (!env.clusterStore) l->cluster->health->failed(now, cs.retryInterval, "no cluster store in this world");
        allowed = onFailure(env, ex, applied, *l, key);
      }
    }
    if (!allowed) return WalkStep::kDenied;
  }
  return WalkStep::kDone;
}

namespace {

struct AskState {
  Env& env;
  Resumer resumer;
  LimitSequence limits;
  std::vector<AppliedLimit> applied;
  std::size_t k;
  std::string key;  // the local key of the limit at k
  WalkFinish finish;
};

void ask(std::shared_ptr<AskState> state) {
  Exchange& ex = *state->resumer.exchange();
  bool perRoute = true;
  const RouteLimiter* l = state->limits.at(state->k, perRoute);
  std::string storeKey;
  clusterKey(*l->cluster, state->key, storeKey);
  const ClusterLimitsConfig& cs = *l->cluster->settings;
  l->cluster->health->sent();
  state->env.clusterStore->decide(
      l->policy->spec, storeKey, ex.start, 1, cs.concurrencyLease, [state, l, storeKey](const ClusterAnswer& answer) {
        if (!state->resumer.pending()) {
          // The exchange is gone (its Gateway stopped): a unit it was given goes back at once.
          if (answer.ok && answer.decision.allowed && l->policy->spec.algorithm == LimiterAlgorithm::kConcurrency) {
            state->env.clusterStore->release(storeKey, answer.holder, 1);
          }
          return;
        }
        Exchange& ex = *state->resumer.exchange();
        Env& env = state->env;
        bool allowed;
        if (answer.ok) {
          l->cluster->health->succeeded();
          const ClusterHeld held{storeKey, answer.holder};
          allowed = record(env, ex, state->applied, *l, answer.decision, DecidedBy::kCluster, state->key, &held);
        } else {
          l->cluster->health->failed(env.clock.now(), l->cluster->settings->retryInterval, answer.error);
          allowed = onFailure(env, ex, state->applied, *l, state->key);
        }
        WalkStep step = WalkStep::kDenied;
        if (allowed) {
          ++state->k;
          step = walkLimits(env, ex, state->limits, state->applied, state->k, state->key);
          if (step == WalkStep::kAsk) return ask(state);
        }
        state->finish(env, state->resumer, state->applied, step);
      });
}

}  // namespace

void askCluster(Env& env, Resumer resumer, const LimitSequence& limits, std::vector<AppliedLimit> applied,
                std::size_t k, std::string key, WalkFinish finish) {
  ask(std::make_shared<AskState>(
      AskState{env, std::move(resumer), limits, std::move(applied), k, std::move(key), finish}));
}

}  // namespace gateway
