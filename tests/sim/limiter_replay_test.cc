// LimiterReplay and compare: decisions through the store, concurrency holds, retry-after
// exactness end to end, the summary columns, and the committed traces.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "libgateway/core/random.h"
#include "sim/limiter/limiter_comparison.h"
#include "sim/limiter/limiter_replay.h"
#include "sim/limiter/trace_generator.h"

namespace gwsim {
namespace {

using gateway::LimiterAlgorithm;

ReplayOptions rateOptions(LimiterAlgorithm a, std::int64_t perSecond, std::int64_t burst) {
  ReplayOptions o;
  o.spec.algorithm = a;
  o.spec.rateMilli = perSecond * 1000;
  o.spec.burst = burst;
  return o;
}

ReplayOptions windowOptions(LimiterAlgorithm a, std::int64_t limit, gateway::Duration window) {
  ReplayOptions o;
  o.spec.algorithm = a;
  o.spec.limit = limit;
  o.spec.window = window;
  return o;
}

Trace traceOf(std::initializer_list<std::tuple<gateway::TimePoint, const char*, std::int64_t>> requests) {
  Trace t;
  for (const auto& [at, key, cost] : requests) t.requests.push_back({at, key, cost, 0});
  return t;
}

Trace generated(TraceKind kind, std::uint64_t seed = 1) {
  std::stringstream text;
  generateTrace(kind, seed, text);
  return parseTrace(text);
}

TEST(LimiterReplayTest, PrintsOneLinePerDecision) {
  std::ostringstream out;
  replayTrace(traceOf({{0, "a", 1}, {0, "a", 1}, {0, "a", 1}, {5, "b", 3}}),
              rateOptions(LimiterAlgorithm::kTokenBucket, 10, 2), &out);
  EXPECT_EQ(out.str(),
            "0,a,allow,0,0,1\n"
            "0,a,allow,0,0,0\n"
            "0,a,deny,0,100000,0\n"
            "5,b,deny,0,-1,2\n");
}

TEST(LimiterReplayTest, ConcurrencyHoldsEachAdmittedRequest) {
  ReplayOptions o;
  o.spec.algorithm = LimiterAlgorithm::kConcurrency;
  o.spec.limit = 2;
  o.hold = 1'000;
  std::ostringstream out;
  replayTrace(traceOf({{0, "a", 1}, {10, "a", 1}, {20, "a", 1}, {1'000, "a", 1}, {1'005, "a", 1}, {1'010, "a", 1}}),
              o, &out);
  EXPECT_EQ(out.str(),
            "0,a,allow,0,0,1\n"
            "10,a,allow,0,0,0\n"
            "20,a,deny,0,980,0\n"     // the request of t=0 completes at 1000
            "1000,a,allow,0,0,0\n"    // released at 1000, before this arrival
            "1005,a,deny,0,5,0\n"
            "1010,a,allow,0,0,0\n");
}

TEST(LimiterReplayTest, LeakyBucketDelaysAndCountsForwardingTimes) {
  std::ostringstream out;
  const ReplaySummary s = replayTrace(traceOf({{0, "a", 1}, {0, "a", 1}, {0, "a", 1}, {0, "a", 1}}),
                                      rateOptions(LimiterAlgorithm::kLeakyBucket, 10, 2), &out);
  EXPECT_EQ(out.str(),
            "0,a,allow,0,0,2\n"
            "0,a,allow,100000,0,1\n"
            "0,a,allow,200000,0,0\n"
            "0,a,deny,0,100000,0\n");
  EXPECT_EQ(s.maxDelay, 200'000);
  EXPECT_DOUBLE_EQ(s.meanDelay, 100'000.0);
  EXPECT_EQ(s.maxInWindow, 3);
}

// For every denial: the same request alone at t + retryAfter - 1 is denied, at t + retryAfter
// admitted, after the same earlier requests (denials change nothing, so the state matches).
void expectExactRetries(const ReplayOptions& options, const Trace& trace, int maxChecks) {
  int checks = 0;
  for (std::size_t i = 0; i < trace.requests.size() && checks < maxChecks; ++i) {
    LimiterReplay replay(options);
    for (std::size_t j = 0; j < i; ++j) replay.submit(trace.requests[j]);
    const gateway::LimitDecision d = replay.submit(trace.requests[i]);
    if (d.allowed || d.retryAfter == gateway::kNever) continue;
    ++checks;
    for (const gateway::Duration offset : {d.retryAfter - 1, d.retryAfter}) {
      LimiterReplay again(options);
      for (std::size_t j = 0; j < i; ++j) again.submit(trace.requests[j]);
      TraceRequest shifted = trace.requests[i];
      shifted.at += offset;
      EXPECT_EQ(again.submit(shifted).allowed, offset == d.retryAfter)
          << gateway::toString(options.spec.algorithm) << " request " << i << " retryAfter " << d.retryAfter;
    }
  }
  EXPECT_GT(checks, 0) << gateway::toString(options.spec.algorithm);
}

TEST(LimiterReplayTest, RetryAfterIsExactForEveryAlgorithm) {
  gateway::Random rng(99);
  Trace trace;
  gateway::TimePoint t = 0;
  for (int i = 0; i < 120; ++i) {
    t += static_cast<gateway::Duration>(rng.uniform(60'000));
    const char* keys[] = {"a", "b"};
    trace.requests.push_back({t, keys[rng.uniform(2)], 1 + static_cast<std::int64_t>(rng.uniform(2)), i + 1});
  }
  ReplayOptions concurrency;
  concurrency.spec.algorithm = LimiterAlgorithm::kConcurrency;
  concurrency.spec.limit = 3;
  concurrency.hold = 250'000;
  const ReplayOptions all[] = {rateOptions(LimiterAlgorithm::kTokenBucket, 7, 3),
                               rateOptions(LimiterAlgorithm::kGcra, 7, 3),
                               rateOptions(LimiterAlgorithm::kLeakyBucket, 7, 2),
                               windowOptions(LimiterAlgorithm::kFixedWindow, 5, 700'000),
                               windowOptions(LimiterAlgorithm::kSlidingLog, 5, 700'000),
                               windowOptions(LimiterAlgorithm::kSlidingCounter, 5, 700'000),
                               concurrency};
  for (const ReplayOptions& o : all) expectExactRetries(o, trace, 25);
}

TEST(LimiterReplayTest, BoundaryTraceShowsFixedWindowOvershoot) {
  const Trace trace = generated(TraceKind::kBoundary);
  ASSERT_TRUE(trace.ok());
  const auto summaries = compareLimiters(trace, {windowOptions(LimiterAlgorithm::kFixedWindow, 100, 1'000'000),
                                                 windowOptions(LimiterAlgorithm::kSlidingLog, 100, 1'000'000)});
  EXPECT_EQ(summaries[0].admitted, 1'000);
  EXPECT_EQ(summaries[0].maxInWindow, 200);
  EXPECT_DOUBLE_EQ(summaries[0].overshoot, 2.0);
  EXPECT_EQ(summaries[1].admitted, 500);
  EXPECT_EQ(summaries[1].maxInWindow, 100);
  EXPECT_DOUBLE_EQ(summaries[1].overshoot, 1.0);
  EXPECT_LE(summaries[0].bytesPerKey, 64);
}

TEST(LimiterReplayTest, SteadyTraceAtTheLimitPassesExactAlgorithms) {
  const Trace trace = generated(TraceKind::kSteady);
  const auto summaries = compareLimiters(trace, {rateOptions(LimiterAlgorithm::kTokenBucket, 100, 1),
                                                 rateOptions(LimiterAlgorithm::kGcra, 100, 1),
                                                 rateOptions(LimiterAlgorithm::kLeakyBucket, 100, 0),
                                                 windowOptions(LimiterAlgorithm::kFixedWindow, 100, 1'000'000),
                                                 windowOptions(LimiterAlgorithm::kSlidingLog, 100, 1'000'000)});
  for (const ReplaySummary& s : summaries) {
    EXPECT_EQ(s.denied, 0) << s.algorithm;
    EXPECT_EQ(s.maxInWindow, 100) << s.algorithm;
  }
}

TEST(LimiterReplayTest, ReportsInEveryFormat) {
  const auto summaries = compareLimiters(generated(TraceKind::kPoisson),
                                         {rateOptions(LimiterAlgorithm::kTokenBucket, 100, 20),
                                          windowOptions(LimiterAlgorithm::kSlidingLog, 100, 1'000'000)});
  const std::string table = formatSummaries(summaries, ReportFormat::kTable);
  EXPECT_NE(table.find("max/1000ms"), std::string::npos);
  EXPECT_NE(table.find("sliding_log"), std::string::npos);
  const std::string csv = formatSummaries(summaries, ReportFormat::kCsv);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
  EXPECT_EQ(csv.rfind("algorithm,requests,admitted,denied,", 0), 0u);
  const auto json = nlohmann::json::parse(formatSummaries(summaries, ReportFormat::kJson));
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[1]["algorithm"], "sliding_log");
  EXPECT_EQ(json[1]["max_in_window"], 100);
  EXPECT_EQ(json[0]["admitted"].get<std::int64_t>() + json[0]["denied"].get<std::int64_t>(),
            json[0]["requests"].get<std::int64_t>());
}

TEST(LimiterReplayTest, CommittedTracesAreTheGeneratorsOutput) {
  const std::pair<TraceKind, const char*> files[] = {{TraceKind::kBoundary, "boundary_burst.csv"},
                                                     {TraceKind::kSteady, "steady_at_limit.csv"},
                                                     {TraceKind::kPoisson, "poisson_above_limit.csv"},
                                                     {TraceKind::kManyKeys, "many_keys.csv"}};
  for (const auto& [kind, name] : files) {
    std::ifstream file(std::string(GATEWAY_SOURCE_DIR) + "/scenarios/traces/" + name);
    ASSERT_TRUE(file) << name;
    std::stringstream committed;
    committed << file.rdbuf();
    std::stringstream fresh;
    generateTrace(kind, 1, fresh);
    EXPECT_EQ(committed.str(), fresh.str()) << name << " differs from gen-trace --kind " << toString(kind);
    EXPECT_LT(committed.str().size(), 200'000u) << name;
    std::istringstream in(committed.str());
    const Trace trace = parseTrace(in);
    EXPECT_TRUE(trace.ok()) << name;
    EXPECT_GT(trace.requests.size(), 500u) << name;
  }
}

}  // namespace
}  // namespace gwsim
