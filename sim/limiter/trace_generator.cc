#include "sim/limiter/trace_generator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "libgateway/core/random.h"
#include "libgateway/core/time.h"

namespace gwsim {

namespace {

using gateway::millis;
using gateway::seconds;
using gateway::TimePoint;

constexpr std::array<std::pair<TraceKind, std::string_view>, 4> kKinds{{
    {TraceKind::kBoundary, "boundary"},
    {TraceKind::kSteady, "steady"},
    {TraceKind::kPoisson, "poisson"},
    {TraceKind::kManyKeys, "many-keys"},
}};

// Exponential gap with the given mean, in whole microseconds (at least 1).
TimePoint exponentialGap(gateway::Random& rng, double meanMicros) {
  const double u = 1.0 - rng.unit();  // (0, 1]
  return std::max<TimePoint>(1, std::llround(-std::log(u) * meanMicros));
}

void boundary(std::ostream& out) {
  out << "# boundary_burst.csv (gwsim limiter gen-trace --kind boundary)\n"
         "# One client sends 100 requests in the last 100 ms before t = 2, 4, 6, 8 and 10 s and\n"
         "# 100 more in the first 100 ms after each: 200 requests within 200 ms, across a boundary\n"
         "# of the 1 s windows aligned at t = 0.\n"
         "# Shows: fixed_window admits all 200 (2x its limit in one second); sliding_log never more\n"
         "# than 100 in any second; sliding_counter and the buckets in between.\n"
         "# Try: gwsim limiter compare --trace scenarios/traces/boundary_burst.csv \\\n"
         "#        --algorithms fixed_window,sliding_log,sliding_counter,token_bucket,gcra,leaky_bucket \\\n"
         "#        --limit 100 --window-ms 1000 --rate 100 --burst 100\n"
         "t_us,key\n";
  for (int b = 2; b <= 10; b += 2) {
    for (int i = 0; i < 200; ++i) out << seconds(b) - millis(100) + i * millis(1) << ",client-a\n";
  }
}

void steady(std::ostream& out) {
  out << "# steady_at_limit.csv (gwsim limiter gen-trace --kind steady)\n"
         "# One client at exactly 100 requests/s (every 10 ms from t = 5 ms) for 20 s: traffic\n"
         "# right at the limit.\n"
         "# Shows: every exact algorithm admits everything (token_bucket, gcra, leaky_bucket with\n"
         "# rate 100; fixed_window, sliding_log with 100 per 1000 ms); sliding_counter's estimate\n"
         "# assumes the previous window was uniform and denies some requests at the limit.\n"
         "# Try: gwsim limiter compare --trace scenarios/traces/steady_at_limit.csv \\\n"
         "#        --algorithms token_bucket,gcra,leaky_bucket,fixed_window,sliding_log,sliding_counter \\\n"
         "#        --rate 100 --burst 1 --limit 100 --window-ms 1000\n";
  for (int i = 0; i < 2000; ++i) out << millis(5) + i * millis(10) << ",client-a\n";
}

void poisson(std::ostream& out, std::uint64_t seed) {
  out << "# poisson_above_limit.csv (gwsim limiter gen-trace --kind poisson --seed " << seed << ")\n"
         "# One client with Poisson arrivals at 150 requests/s for 20 s, against a limit of 100/s.\n"
         "# Shows: every algorithm admits about 100/s; they differ in how bursts are cut (max per\n"
         "# second), and leaky_bucket delays instead of denying while its queue has room.\n"
         "# Try: gwsim limiter compare --trace scenarios/traces/poisson_above_limit.csv \\\n"
         "#        --algorithms token_bucket,gcra,leaky_bucket,fixed_window,sliding_log,sliding_counter \\\n"
         "#        --rate 100 --burst 20 --limit 100 --window-ms 1000\n";
  gateway::Random rng = gateway::Random(seed).stream("poisson");
  for (TimePoint t = exponentialGap(rng, 1e6 / 150); t < seconds(20); t += exponentialGap(rng, 1e6 / 150)) {
    out << t << ",client-a\n";
  }
}

void manyKeys(std::ostream& out, std::uint64_t seed) {
  out << "# many_keys.csv (gwsim limiter gen-trace --kind many-keys --seed " << seed << ")\n"
         "# 200 clients (user-001..user-200) with Zipf(1) popularity, Poisson arrivals at 1000\n"
         "# requests/s in total for 6 s; 10% of requests cost 2..5. The top few users exceed\n"
         "# 20 requests/s (user-001 sends about 170/s), the long tail stays far below.\n"
         "# Shows: per-key limits (only the heavy users are denied), state bytes per key, and\n"
         "# overshoot per key. Try: gwsim limiter compare --trace scenarios/traces/many_keys.csv \\\n"
         "#        --algorithms token_bucket,gcra,fixed_window,sliding_log,sliding_counter \\\n"
         "#        --rate 20 --burst 20 --limit 20 --window-ms 1000\n"
         "t_us,key,cost\n";
  constexpr int kKeys = 200;
  std::vector<double> cumulative;
  double total = 0;
  for (int k = 1; k <= kKeys; ++k) cumulative.push_back(total += 1.0 / k);
  gateway::Random rng = gateway::Random(seed).stream("many-keys");
  char key[32];
  for (TimePoint t = exponentialGap(rng, 1e3); t < seconds(6); t += exponentialGap(rng, 1e3)) {
    const double pick = rng.unit() * total;
    const auto k = std::lower_bound(cumulative.begin(), cumulative.end(), pick) - cumulative.begin();
    std::snprintf(key, sizeof key, "user-%03d", static_cast<int>(k) + 1);
    const std::uint64_t cost = rng.chance(0.1) ? 2 + rng.uniform(4) : 1;
    out << t << ',' << key << ',' << cost << '\n';
  }
}

}  // namespace

std::optional<TraceKind> parseTraceKind(std::string_view name) {
  for (const auto& [kind, n] : kKinds) {
    if (n == name) return kind;
  }
  return std::nullopt;
}

std::string_view toString(TraceKind kind) {
  for (const auto& [k, name] : kKinds) {
    if (k == kind) return name;
  }
  return "unknown";
}

void generateTrace(TraceKind kind, std::uint64_t seed, std::ostream& out) {
  switch (kind) {
    case TraceKind::kBoundary: boundary(out); break;
    case TraceKind::kSteady: steady(out); break;
    case TraceKind::kPoisson: poisson(out, seed); break;
    case TraceKind::kManyKeys: manyKeys(out, seed); break;
  }
}

}  // namespace gwsim
