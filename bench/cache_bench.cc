// The response cache: the store's cost per hit, per miss and per fill (a full store, so each
// fill evicts), on one and two threads; what an entry costs in memory (heap bytes per entry,
// from mallinfo2, against what the store counts for it); LRU's hit ratio on a Zipf trace at
// several cache sizes; and a hit through a whole Gateway with the standard stages.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "libgateway/cache/cache_store.h"
#include "libgateway/config/config_loader.h"
#include "libgateway/core/manual_time.h"
#include "libgateway/pipeline/gateway.h"
#include "libgateway/pipeline/stage_list.h"
#include "sim/workload/request_mix.h"

namespace {

using gateway::CacheStore;

// As in ratelimit_bench.cc: glibc locks take their multi-threaded paths only once a second
// thread has existed, as in gatewayd.
const bool kCacheBenchThreaded = [] {
  std::thread([] {}).join();
  return true;
}();

constexpr std::size_t kCacheBodyBytes = 512;

// A product answer as mock-services sends it: five fields and a JSON body.
std::shared_ptr<gateway::CachedResponse> cacheBenchEntry(const std::string& path, const std::string& key) {
  gateway::Response r;
  r.headers.add("Content-Type", "application/json");
  r.headers.add("Date", "Sun, 06 Nov 1994 08:49:37 GMT");
  r.headers.add("X-Mock-Service", "products");
  r.headers.add("X-Mock-Instance", "products-1");
  r.headers.add("X-Mock-Target", path);
  r.body.assign(kCacheBodyBytes, 'x');
  gateway::StoreDecision d;
  d.store = true;
  d.lifetime = gateway::seconds(300);
  return gateway::makeCachedResponse(r, d, path, {}, 0, key.size());
}

std::string cacheBenchKey(std::size_t i) {
  const std::string path = fmt::format("/api/products/{}", i);
  return gateway::cacheKey({"GET", path, "", nullptr, nullptr, ""});
}

const std::vector<std::string>& cacheBenchKeys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k;
    for (std::size_t i = 0; i < 100'000; ++i) k.push_back(cacheBenchKey(i));
    return k;
  }();
  return keys;
}

std::unique_ptr<CacheStore> gCacheStore;  // shared by the threads of a ->Threads(2) run

// A store holding `entries` of the keys (fills not timed), room for `capacity`.
void setUpCacheStore(benchmark::State& state, std::size_t entries, std::size_t capacity) {
  if (state.thread_index() != 0) return;
  CacheStore::Limits limits;
  limits.maxEntries = capacity;
  limits.maxBytes = std::size_t{1} << 30;
  gCacheStore = std::make_unique<CacheStore>(limits);
  for (std::size_t i = 0; i < entries; ++i) gCacheStore->insert(cacheBenchKeys()[i], cacheBenchEntry("/api/products/x", cacheBenchKeys()[i]));
}

void BM_CacheStoreHit(benchmark::State& state) {
  setUpCacheStore(state, 10'000, 100'000);
  const gateway::Headers request;
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 5'000;
  for (auto _ : state) {
    benchmark::DoNotOptimize(gCacheStore->find(cacheBenchKeys()[i], request));
    if (++i == 10'000) i = 0;
  }
}
BENCHMARK(BM_CacheStoreHit)->Threads(1)->Threads(2);

void BM_CacheStoreMiss(benchmark::State& state) {
  setUpCacheStore(state, 10'000, 100'000);
  const gateway::Headers request;
  std::size_t i = 10'000 + static_cast<std::size_t>(state.thread_index()) * 5'000;
  for (auto _ : state) {
    benchmark::DoNotOptimize(gCacheStore->find(cacheBenchKeys()[i], request));
    if (++i == 20'000) i = 10'000;
  }
}
BENCHMARK(BM_CacheStoreMiss)->Threads(1)->Threads(2);

// A fill into a full store: the entry is made (copying a 512-byte answer), stored, and the
// least recently used entry evicted.
void BM_CacheStoreFillEvicting(benchmark::State& state) {
  setUpCacheStore(state, 10'000, 10'000);
  std::size_t i = 10'000;
  for (auto _ : state) {
    gCacheStore->insert(cacheBenchKeys()[i], cacheBenchEntry("/api/products/x", cacheBenchKeys()[i]));
    if (++i == cacheBenchKeys().size()) i = 0;
  }
  state.counters["evictions"] = static_cast<double>(gCacheStore->evictions());
}
BENCHMARK(BM_CacheStoreFillEvicting);

// Memory: 100,000 entries of a 512-byte body and five fields.
void BM_CacheEntryBytes(benchmark::State& state) {
  double heapPerEntry = 0, countedPerEntry = 0;
  for (auto _ : state) {
    state.PauseTiming();
    gCacheStore.reset();
    const std::size_t before = mallinfo2().uordblks;
    state.ResumeTiming();
    CacheStore::Limits limits;
    limits.maxEntries = 200'000;
    limits.maxBytes = std::size_t{1} << 32;
    gCacheStore = std::make_unique<CacheStore>(limits);
    for (const std::string& key : cacheBenchKeys()) gCacheStore->insert(key, cacheBenchEntry("/api/products/x", key));
    state.PauseTiming();
    const double n = static_cast<double>(gCacheStore->entries());
    heapPerEntry = static_cast<double>(mallinfo2().uordblks - before) / n;
    countedPerEntry = static_cast<double>(gCacheStore->bytes()) / n;
    state.ResumeTiming();
  }
  state.counters["heap_bytes_per_entry"] = heapPerEntry;
  state.counters["counted_bytes_per_entry"] = countedPerEntry;
  state.counters["heap_overhead_per_entry"] = heapPerEntry - static_cast<double>(kCacheBodyBytes);
  gCacheStore.reset();
}
BENCHMARK(BM_CacheEntryBytes)->Unit(benchmark::kMillisecond)->Iterations(3);

// LRU on a Zipf(0.99) trace over 100,000 products: the hit ratio at a cache of `range(0)`
// entries (0.1%, 1%, 10% of the keys).
void BM_CacheZipfHitRatio(benchmark::State& state) {
  const auto capacity = static_cast<std::size_t>(state.range(0));
  const auto zipf = gwsim::ParamDistribution::zipf(100'000, 0.99);
  gateway::Random random(11);
  CacheStore::Limits limits;
  limits.maxEntries = capacity;
  limits.maxBytes = std::size_t{1} << 32;
  limits.shards = 1;
  CacheStore store(limits);
  const gateway::Headers request;
  std::uint64_t hits = 0, lookups = 0;
  for (auto _ : state) {
    const auto i = static_cast<std::size_t>(zipf.sampleIndex(random) - 1);
    ++lookups;
    if (store.find(cacheBenchKeys()[i], request)) ++hits;
    else store.insert(cacheBenchKeys()[i], cacheBenchEntry("/api/products/x", cacheBenchKeys()[i]));
  }
  state.counters["hit_ratio"] = static_cast<double>(hits) / static_cast<double>(lookups);
}
BENCHMARK(BM_CacheZipfHitRatio)->Arg(100)->Arg(1'000)->Arg(10'000)->Iterations(2'000'000);

// A transport that answers every request at once (through the scheduler) with a product.
class CacheBenchProducts final : public gateway::UpstreamTransport {
 public:
  CacheBenchProducts(gateway::Scheduler& scheduler) : scheduler_(scheduler) {}
  void send(const gateway::Endpoint&, gateway::Request, gateway::TimePoint, std::function<void(gateway::UpstreamResult)> done) override {
    gateway::UpstreamResult r;
    r.response.headers.add("Content-Type", "application/json");
    r.response.body.assign(kCacheBodyBytes, 'x');
    scheduler_.schedule(0, [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
    ++sends;
  }
  std::uint64_t sends = 0;

 private:
  gateway::Scheduler& scheduler_;
};

// A cache hit through a Gateway with the standard stages (route match, identity, the cache's
// lookup and answer copy, correlation id): what gatewayd's core spends per hit.
void BM_CacheHitThroughGateway(benchmark::State& state) {
  auto load = gateway::parseConfig(R"({
    "services": [{"name": "products", "instances": ["10.0.0.1:80"]}],
    "routes": [{"name": "products", "match": {"prefix": "/api/products"}, "service": "products",
                "cache": {"ttl_s": 300, "statuses": [200], "content_types": ["application/json"]}}]})");
  gateway::ManualClock clock(gateway::seconds(1));
  gateway::ManualScheduler scheduler(clock);
  CacheBenchProducts transport(scheduler);
  gateway::Random random(5);
  gateway::Env env{clock, scheduler, transport, random};
  gateway::SharedState shared(load.config);
  gateway::Gateway gw(shared, env);
  gateway::installStandardStages(gw, shared, env);
  auto request = [] {
    gateway::Request r;
    r.target = "/api/products/7";
    r.headers.add("Host", "api.example.com");
    r.headers.add("Accept", "application/json");
    r.clientAddress = "192.0.2.1:5000";
    return r;
  };
  gw.handle(request(), [](gateway::Response) {});
  scheduler.runAll();  // the fill
  std::size_t bytes = 0;
  for (auto _ : state) {
    gw.handle(request(), [&bytes](gateway::Response r) { bytes += r.body.size(); });
  }
  state.counters["upstream_sends"] = static_cast<double>(transport.sends);
  benchmark::DoNotOptimize(bytes);
}
BENCHMARK(BM_CacheHitThroughGateway);

}  // namespace
