// Route matching cost against the number of routes (issue: 1,000 routes in at most 300 ns
// median per request). The route set mixes exact, template and prefix routes, with some
// host- and method-restricted ones, as a real API would; requests hit routes spread over
// the whole table, so the benchmark does not stay in one warm branch.
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include "libgateway/config/config.h"
#include "libgateway/core/random.h"
#include "libgateway/routing/route_table.h"

namespace {

using namespace gateway;

std::vector<RouteConfig> makeRoutes(int n) {
  std::vector<RouteConfig> routes;
  for (int i = 0; i < n; ++i) {
    RouteConfig r;
    r.name = fmt::format("r{}", i);
    r.backends.push_back({"svc", 1});
    switch (i % 4) {
      case 0: r.pathType = PathMatchType::kExact; r.path = fmt::format("/api/v1/resource{}/list", i); break;
      case 1: r.pathType = PathMatchType::kTemplate; r.path = fmt::format("/api/v1/resource{}/{{id}}", i); break;
      case 2:
        r.pathType = PathMatchType::kTemplate;
        r.path = fmt::format("/api/v1/resource{}/{{id}}/items/{{item}}", i);
        r.methods = {"GET", "POST"};
        break;
      case 3: r.pathType = PathMatchType::kPrefix; r.path = fmt::format("/static/bundle{}", i); break;
    }
    if (i % 10 == 0) r.hosts = {"api.example.com"};
    routes.push_back(std::move(r));
  }
  // A catch-all, as most deployments have.
  RouteConfig fallback;
  fallback.name = "fallback";
  fallback.pathType = PathMatchType::kPrefix;
  fallback.path = std::string(1, '/');  // (GCC 12 -Wrestrict false positive on = "/")
  fallback.backends.push_back({"svc", 1});
  routes.push_back(fallback);
  return routes;
}

struct Probe {
  std::string method, host, path;
};

std::vector<Probe> makeProbes(int n) {
  std::vector<Probe> probes;
  Random random(42);
  for (int k = 0; k < 1024; ++k) {
    const int i = static_cast<int>(random.uniform(n));
    Probe p{"GET", i % 10 == 0 ? "api.example.com" : "other.example.com", ""};
    switch (i % 4) {
      case 0: p.path = fmt::format("/api/v1/resource{}/list", i); break;
      case 1: p.path = fmt::format("/api/v1/resource{}/{}", i, random.uniform(100000)); break;
      case 2: p.path = fmt::format("/api/v1/resource{}/{}/items/{}", i, random.uniform(1000), random.uniform(1000)); break;
      case 3: p.path = fmt::format("/static/bundle{}/app.{}.js", i, random.uniform(100)); break;
    }
    probes.push_back(std::move(p));
  }
  return probes;
}

void BM_RouteMatch(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const RouteTable table(makeRoutes(n));
  const auto probes = makeProbes(n);
  const Headers headers{{"accept", "application/json"}, {"user-agent", "bench"}};
  std::size_t k = 0, matched = 0;
  for (auto _ : state) {
    const Probe& p = probes[k++ & 1023];
    RouteMatch m = table.match(p.method, p.host, p.path, headers);
    matched += m.kind == RouteMatch::Kind::kMatched;
    benchmark::DoNotOptimize(m);
  }
  if (matched != k) state.SkipWithError("a probe did not match");
  state.counters["routes"] = n;
}
BENCHMARK(BM_RouteMatch)->Arg(10)->Arg(100)->Arg(1000)->Repetitions(5)->ReportAggregatesOnly(true);

// Matching plus building the upstream path, what the gateway does per request.
void BM_RouteMatchAndRewrite(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const RouteTable table(makeRoutes(n));
  const auto probes = makeProbes(n);
  const Headers headers;
  std::size_t k = 0;
  for (auto _ : state) {
    const Probe& p = probes[k++ & 1023];
    RouteMatch m = table.match(p.method, p.host, p.path, headers);
    std::string up = table.upstreamPath(m, p.path);
    benchmark::DoNotOptimize(up);
  }
}
BENCHMARK(BM_RouteMatchAndRewrite)->Arg(1000)->Repetitions(5)->ReportAggregatesOnly(true);

}  // namespace
