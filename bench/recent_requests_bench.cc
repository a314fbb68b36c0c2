// What the admin API's recent-requests feed (libgateway/net/recent_requests.h) costs: per
// request on a worker when nobody watches (one relaxed load) and while a dashboard watches
// (the record copied into the worker's ring under its mutex), and per record on the admin
// thread when a dashboard reads the feed (copied out and written as JSON text).
#include <benchmark/benchmark.h>

#include "libgateway/core/random.h"
#include "libgateway/net/recent_requests.h"
#include "libgateway/pipeline/exchange.h"

namespace {

using gateway::net::RecentRequests;

// A completed exchange as a worker reports it (no route: the names are the copies that count).
void fillRecentExchange(gateway::Exchange& ex, gateway::Response& response) {
  gateway::Random random(7);
  ex.correlationId.generate(random);
  ex.request.method = "GET";
  ex.request.target = "/api/orders?userId=1234&page=2";
  ex.request.clientAddress = "127.0.0.1:52344";
  ex.consumer = "acme";
  ex.tier = "premium";
  ex.outcome = "upstream";
  ex.start = 1'000'000;
  ex.end = 1'000'850;
  response.status = 200;
}

void BM_RecentRequestsUnwatched(benchmark::State& state) {
  RecentRequests feed(1);
  gateway::Exchange ex;
  gateway::Response response;
  fillRecentExchange(ex, response);
  for (auto _ : state) {
    if (feed.watched(ex.end)) feed.record(0, ex, response);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_RecentRequestsUnwatched);

void BM_RecentRequestsWatched(benchmark::State& state) {
  RecentRequests feed(1);
  gateway::Exchange ex;
  gateway::Response response;
  fillRecentExchange(ex, response);
  feed.since(0, ex.end);  // a dashboard asked: recording is on
  for (auto _ : state) {
    if (feed.watched(ex.end)) feed.record(0, ex, response);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_RecentRequestsWatched);

// One read of a full ring (kPerWorker records); items/s is records per second.
void BM_RecentRequestsRead(benchmark::State& state) {
  RecentRequests feed(1);
  gateway::Exchange ex;
  gateway::Response response;
  fillRecentExchange(ex, response);
  feed.since(0, ex.end);
  for (std::size_t i = 0; i < RecentRequests::kPerWorker; ++i) feed.record(0, ex, response);
  for (auto _ : state) benchmark::DoNotOptimize(feed.since(0, ex.end));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(RecentRequests::kPerWorker));
}
BENCHMARK(BM_RecentRequestsRead);

}  // namespace
