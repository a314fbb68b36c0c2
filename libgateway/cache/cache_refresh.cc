#include "libgateway/cache/cache_refresh.h"

#include <algorithm>

#include "libgateway/pipeline/body_collector.h"
#include "libgateway/pipeline/exchange.h"
#include "libgateway/pipeline/shared_state.h"

namespace gateway {

struct CacheRefresher::Refresh {
  std::shared_ptr<Exchange> exchange;  // owns the call
  std::shared_ptr<RouteCache> cache;
  std::string key;
  std::string path;
  FillLease lease;
  std::uint64_t epoch = 0;
  std::unique_ptr<BodyCollector> collector;  // reading a streamed answer
};

CacheRefresher::CacheRefresher(Env& env, SharedState& shared) : env_(env), shared_(shared), caller_(env) {}

CacheRefresher::~CacheRefresher() {
  // Unfinished refreshes end their fills (their leases) as they go.
  live_.clear();
}

void CacheRefresher::start(const Exchange& client, std::shared_ptr<RouteCache> cache, std::string key, FillLease lease) {
  auto refresh = std::make_unique<Refresh>();
  refresh->cache = std::move(cache);
  refresh->key = std::move(key);
  refresh->path = std::string(client.request.path());
  refresh->epoch = lease.epoch();
  refresh->lease = std::move(lease);
  auto ex = std::make_shared<Exchange>();
  ex->request.method = "GET";
  ex->request.target = client.request.target;
  ex->request.headers = client.request.headers;
  ex->request.headers.removeIf([](const Headers::Field& f) {
    for (std::string_view name : {"if-none-match", "if-modified-since", "if-match", "if-unmodified-since", "if-range", "range"}) {
      if (iequals(f.name, name)) return true;
    }
    return false;
  });
  ex->request.clientAddress = client.request.clientAddress;
  ex->runtime = client.runtime;
  ex->routed = true;
  ex->routeIndex = client.routeIndex;
  ex->start = env_.clock.now();
  ex->unixStart = ex->start + shared_.unixTimeOffset();
  ex->correlationId.generate(env_.random);
  ex->outcome = "cache_refresh";
  refresh->exchange = ex;  // `ex` keeps it alive should the call answer before start() returns

  // The upstream target, as the Gateway's terminal makes it.
  const RouteTable& routes = client.runtime->routes();
  const CallTarget& target = client.runtime->route(client.routeIndex).target;
  std::string path;
  std::string* upstreamTarget = nullptr;
  if (!routes.keepsPath(client.match)) {
    path = routes.upstreamPath(client.match, client.request.path());
    if (const auto q = client.request.query(); !q.empty() || client.request.target.find('?') != std::string::npos) {
      path += '?';
      path += q;
    }
    upstreamTarget = &path;
  }
  live_.push_back(std::move(refresh));
  ex->call.start(caller_, *ex, target, upstreamTarget, false, *this);
}

void CacheRefresher::onCallAnswer(UpstreamCall& call, Response&& response, std::string_view outcome) {
  const auto it = std::find_if(live_.begin(), live_.end(), [&](const auto& r) { return &r->exchange->call == &call; });
  if (it == live_.end()) return;
  Refresh* refresh = it->get();
  const bool fromUpstream = outcome == "upstream";
  if (!response.stream) return complete(refresh, response, true, fromUpstream);
  // Read the streamed body whole, within the route's entry limit.
  auto stream = std::move(response.stream);
  auto head = std::make_shared<Response>(std::move(response));
  refresh->collector = std::make_unique<BodyCollector>(
      env_, std::move(stream), refresh->cache->settings().maxEntryBytes,
      [this, refresh, head](BodyCollector::Result result, std::string body) {
        std::unique_ptr<BodyCollector> done = std::move(refresh->collector);  // ends with this call
        head->body = std::move(body);
        complete(refresh, *head, result == BodyCollector::Result::kComplete, result != BodyCollector::Result::kFailed);
      });
  refresh->collector->start();
}

void CacheRefresher::complete(Refresh* refresh, const Response& response, bool wholeBody, bool fromUpstream) {
  OfferFacts facts;
  facts.wholeBody = wholeBody;
  facts.fromUpstream = fromUpstream;
  facts.now = env_.clock.now();
  facts.unixNow = (facts.now + shared_.unixTimeOffset()) / kSecond;
  facts.fetchTime = facts.now - refresh->exchange->start;
  facts.epoch = refresh->epoch;
  refresh->lease.finish(refresh->cache->offer(refresh->key, refresh->path, refresh->exchange->request.headers, response, facts));
  refresh->cache->counters().refreshes.fetch_add(1, std::memory_order_relaxed);
  // Whoever called holds the exchange until it returns (the call, the collector's caller).
  std::shared_ptr<Exchange> hold = refresh->exchange;
  live_.remove_if([refresh](const auto& r) { return r.get() == refresh; });
}

}  // namespace gateway
