// Cluster-wide rate-limit decisions against a real Redis: gatewayd's client (one worker's
// RedisLimitClient on one event loop) keeping `in_flight` decisions out, pipelined, `batch` of
// them per script call at most. Reports decisions per second and the client's CPU time per
// decision (its thread's, so Redis's own work is not in it). The Redis
// address comes from GWBENCH_REDIS ("127.0.0.1:6379"); without it the case is skipped.
// bench/cluster_limits.sh starts a redis-server on another CPU and runs this case.
#include <benchmark/benchmark.h>

#include <time.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "libgateway/net/redis_limit_client.h"
#include "libgateway/net/steady_clock.h"

namespace {

using namespace gateway;

double threadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void BM_RedisDecisions(benchmark::State& state) {
  const char* address = std::getenv("GWBENCH_REDIS");
  if (!address) {
    state.SkipWithError("GWBENCH_REDIS is not set (bench/cluster_limits.sh sets it)");
    return;
  }
  const auto depth = static_cast<std::int64_t>(state.range(0));
  const auto batch = static_cast<std::size_t>(state.range(1));
  boost::asio::io_context io;
  net::SteadyClock clock;
  net::RedisLimitClient::Options options;
  options.seeds = {address};
  options.timeout = seconds(5);
  options.maxBatch = batch;
  net::RedisLimitClient client(io, clock, options);
  // Admits everything: the cost measured is the decision's, not a denial's.
  LimiterSpec spec;
  spec.algorithm = LimiterAlgorithm::kTokenBucket;
  spec.rateMilli = 1'000'000'000;
  spec.burst = 1'000'000;
  std::vector<std::string> keys;
  for (int i = 0; i < 1024; ++i) keys.push_back("gwbench:{k" + std::to_string(i) + "}");

  std::int64_t inFlight = 0, failed = 0, next = 0;
  ClusterStore::Done done = [&](const ClusterAnswer& a) {
    --inFlight;
    failed += !a.ok;
  };
  auto send = [&] {
    ++inFlight;
    client.decide(spec, keys[static_cast<std::size_t>(next++ & 1023)], clock.now(), 1, seconds(60), done);
  };
  // Warm up: the connection and the scripts.
  send();
  while (inFlight > 0) io.run_one();

  const double cpu0 = threadCpuSeconds();
  for (auto _ : state) {
    while (inFlight < depth) send();
    io.run_one();
  }
  while (inFlight > 0) io.run_one();
  const double cpu = threadCpuSeconds() - cpu0;
  client.close();
  io.poll();
  state.SetItemsProcessed(next - 1);
  state.counters["decisions_per_s"] = benchmark::Counter(static_cast<double>(next - 1), benchmark::Counter::kIsRate);
  state.counters["client_cpu_us_per_decision"] = cpu * 1e6 / static_cast<double>(next - 1);
  state.counters["failed"] = static_cast<double>(failed);
}
// {in flight, decisions per script call}: one at a time; pipelined one call per decision (the
// anchor: what a client that sends each decision as its own EVALSHA gets, as Envoy's ratelimit
// service does); pipelined in batches (gatewayd's default, 64).
BENCHMARK(BM_RedisDecisions)
    ->ArgNames({"in_flight", "batch"})
    ->Args({1, 1})
    ->Args({256, 1})
    ->Args({256, 64})
    ->UseRealTime()
    ->MinTime(2.0);

}  // namespace
