// Aggregation cost (issue 14): one request to an aggregation route of three parts, each part
// answering a 2 KB JSON object, through a Gateway with the standard stages, manual time and
// a transport that answers every send on the next event (no network): ns per aggregated
// request, next to a proxied request of one 2 KB answer through the same Gateway (the
// anchor). And the merge alone: three 2 KB bodies parsed, filtered, merged and written out.
#include <benchmark/benchmark.h>

#include <deque>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "libgateway/aggregate/aggregate_merge.h"
#include "libgateway/config/config_loader.h"
#include "libgateway/core/manual_time.h"
#include "libgateway/pipeline/gateway.h"
#include "libgateway/pipeline/stage_list.h"

namespace {

using nlohmann::json;

// A JSON object of about `bytes` bytes: a few scalar fields and a list of items.
std::string aggregateBenchBody(const std::string& prefix, std::size_t bytes) {
  json doc = {{prefix + "_id", 42}, {prefix + "_name", "Ada Lovelace"}, {prefix + "_tier", "pro"}};
  json items = json::array();
  for (int i = 0; doc.dump().size() < bytes; ++i) {
    items.push_back({{"id", i}, {"sku", fmt::format("SKU-{:06}", i)}, {"quantity", i % 5}, {"price_cents", 1999 + i}});
    doc[prefix + "_items"] = items;
  }
  return doc.dump();
}

// Answers every send on the next event, with the body of the service it went to.
class AggregateBenchTransport final : public gateway::UpstreamTransport {
 public:
  explicit AggregateBenchTransport(gateway::Scheduler& scheduler) : scheduler_(scheduler) {
    for (const char* name : {"a", "b", "c"}) bodies_.push_back(aggregateBenchBody(name, 2048));
  }
  void send(const gateway::Endpoint& endpoint, gateway::Request, gateway::TimePoint,
            std::function<void(gateway::UpstreamResult)> done) override {
    const std::size_t index = static_cast<std::size_t>(endpoint.service.front() - 'a') % bodies_.size();
    scheduler_.schedule(0, [this, index, done = std::move(done)] {
      gateway::UpstreamResult r;
      r.response.status = 200;
      r.response.body = bodies_[index];
      r.response.headers.set("Content-Type", "application/json");
      done(std::move(r));
    });
  }
  bool timesOutAtDeadline() const override { return true; }
  const std::vector<std::string>& bodies() const { return bodies_; }

 private:
  gateway::Scheduler& scheduler_;
  std::vector<std::string> bodies_;
};

std::shared_ptr<const gateway::Config> aggregateBenchConfig() {
  auto load = gateway::loadConfigJson(json::parse(R"({
    "services": [{"name": "a", "instances": ["10.0.0.1:80"]}, {"name": "b", "instances": ["10.0.0.2:80"]},
                 {"name": "c", "instances": ["10.0.0.3:80"]}],
    "routes": [
      {"name": "agg", "match": {"template": "/agg/{id}", "methods": ["GET"]},
       "aggregate": {"timeout_ms": 1000, "parts": [
         {"name": "a", "service": "a", "path": "/a/{id}", "merge": true, "deny": ["a_tier"]},
         {"name": "b", "service": "b", "path": "/b?id={id}", "allow": ["b_id", "b_items[].id", "b_items[].sku"]},
         {"name": "c", "service": "c", "path": "/c/{id}", "group": "more"}]}},
      {"name": "proxy", "match": {"prefix": "/proxy"}, "service": "a"}]})"));
  return load.ok() ? load.config : nullptr;
}

struct AggregateBenchWorld {
  AggregateBenchWorld()
      : scheduler(clock), transport(scheduler), random(7), env{clock, scheduler, transport, random},
        shared(aggregateBenchConfig()), gateway(shared, env) {
    gateway::installStandardStages(gateway, shared, env);
  }
  // One request to its answer; the answer's body size, 0 when it was not a 200.
  std::size_t run(const std::string& target) {
    gateway::Request request;
    request.method = "GET";
    request.target = target;
    request.clientAddress = "192.0.2.1:5000";
    std::size_t bytes = 0;
    gateway.handle(std::move(request), [&bytes](gateway::Response r) { bytes = r.status == 200 ? r.body.size() : 0; });
    scheduler.runAll(64);
    return bytes;
  }
  gateway::ManualClock clock{gateway::seconds(1)};
  gateway::ManualScheduler scheduler;
  AggregateBenchTransport transport;
  gateway::Random random;
  gateway::Env env;
  gateway::SharedState shared;
  gateway::Gateway gateway;
};

void BM_AggregateThreeParts(benchmark::State& state) {
  AggregateBenchWorld world;
  std::size_t bytes = 0;
  for (auto _ : state) bytes = world.run("/agg/42");
  if (bytes == 0) state.SkipWithError("the aggregation did not answer 200");
  state.counters["answer_bytes"] = static_cast<double>(bytes);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AggregateThreeParts)->Repetitions(3)->ReportAggregatesOnly(true);

// The anchor: one proxied request whose upstream answers 2 KB, through the same Gateway.
void BM_AggregateAnchorProxied(benchmark::State& state) {
  AggregateBenchWorld world;
  std::size_t bytes = 0;
  for (auto _ : state) bytes = world.run("/proxy/42");
  if (bytes == 0) state.SkipWithError("the proxied request did not answer 200");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AggregateAnchorProxied)->Repetitions(3)->ReportAggregatesOnly(true);

// The merge alone: three 2 KB bodies read (checked and parsed), filtered, merged, written.
void BM_AggregateMergeThreeParts(benchmark::State& state) {
  const auto config = aggregateBenchConfig();
  const auto stages = gateway::standardStages();
  std::size_t slot = 0;
  while (slot < stages.size() && stages[slot].name != "aggregate") ++slot;
  const auto* spec = config ? config->routes[0].extension<gateway::AggregateSpec>(slot) : nullptr;
  if (!spec) {
    state.SkipWithError("no aggregation spec");
    return;
  }
  gateway::ManualClock clock;
  gateway::ManualScheduler scheduler(clock);
  const AggregateBenchTransport bodies(scheduler);
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::vector<gateway::PartResult> results(3);
    for (std::size_t i = 0; i < 3; ++i) gateway::readPartBody(bodies.bodies()[i], "", spec->maxPartBytes, results[i]);
    gateway::AggregateAnswer answer = gateway::buildAggregateAnswer(*spec, results, false);
    bytes = answer.response.body.size();
    benchmark::DoNotOptimize(answer);
  }
  state.counters["answer_bytes"] = static_cast<double>(bytes);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AggregateMergeThreeParts)->Repetitions(3)->ReportAggregatesOnly(true);

}  // namespace
