// The latency panel's model fed literal records: per-second percentiles (checked against the
// exact nearest-rank values), statuses by class, the two-minute ring, the log-spaced
// histogram over its window, and a digest that depends on simulated time only.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "tools/gwdash/model/latency_model.h"

namespace gwdash {
namespace {

RequestRecord latencyRecord(gateway::TimePoint end, gateway::Duration latency, int status = 200) {
  RequestRecord r;
  r.end = end;
  r.start = end - latency;
  r.status = status;
  return r;
}

// Nearest rank: the smallest value with at least q of the values at or below it.
gateway::Duration latencyExactQuantile(std::vector<gateway::Duration> values, double q) {
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
  return values[std::max<std::size_t>(rank, 1) - 1];
}

// 1..n times `unit`, fed in a scrambled (but fixed) order, all ending in second `second`.
std::vector<gateway::Duration> latencyFeedScrambled(LatencyModel& model, std::int64_t second, int n, gateway::Duration unit) {
  std::vector<gateway::Duration> fed;
  for (int i = 0; i < n; ++i) {
    const gateway::Duration latency = unit * (1 + (i * 37) % n);  // 37 is coprime with n = 100
    fed.push_back(latency);
    model.onRequest(latencyRecord(gateway::seconds(second) + 1000 * i, latency));
  }
  return fed;
}

TEST(LatencyModel, SmallLatenciesGiveExactPercentiles) {
  LatencyModel model;
  const auto fed = latencyFeedScrambled(model, 3, 100, 1);  // 1..100 us: below 128 us the histogram is exact
  const LatencySecond s = model.second(3);
  EXPECT_EQ(s.requests, 100u);
  EXPECT_EQ(s.p50, latencyExactQuantile(fed, 0.50));
  EXPECT_EQ(s.p50, 50);
  EXPECT_EQ(s.p99, latencyExactQuantile(fed, 0.99));
  EXPECT_EQ(s.p99, 99);
  EXPECT_EQ(s.max, 100);
}

TEST(LatencyModel, LargeLatenciesArePercentilesWithinTheHistogramsResolution) {
  LatencyModel model;
  const auto fed = latencyFeedScrambled(model, 7, 100, 1000);  // 1..100 ms
  const LatencySecond s = model.second(7);
  const gateway::Duration p50 = latencyExactQuantile(fed, 0.50), p99 = latencyExactQuantile(fed, 0.99);
  ASSERT_EQ(p50, 50'000);
  ASSERT_EQ(p99, 99'000);
  // Reported as the upper edge of the exact value's bucket: never below, at most 1/128 above.
  EXPECT_GE(s.p50, p50);
  EXPECT_LE(s.p50, p50 + p50 / 128);
  EXPECT_GE(s.p99, p99);
  EXPECT_LE(s.p99, p99 + p99 / 128);
  EXPECT_EQ(s.max, 100'000);
  EXPECT_EQ(model.second(6).requests, 0u);
  EXPECT_EQ(model.second(6).p99, 0);
}

TEST(LatencyModel, StatusesAreCountedInDisjointClasses) {
  LatencyModel model;
  for (int status : {200, 204, 301, 404, 401, 429, 429, 500, 502, 503, 504, 504, 0})
    model.onRequest(latencyRecord(gateway::millis(1500), 10, status));
  const LatencySecond s = model.second(1);
  EXPECT_EQ(s.requests, 13u);
  EXPECT_EQ(s.status(StatusClass::k2xx), 2u);
  EXPECT_EQ(s.status(StatusClass::k3xx), 1u);
  EXPECT_EQ(s.status(StatusClass::k4xx), 2u);
  EXPECT_EQ(s.status(StatusClass::k429), 2u);
  EXPECT_EQ(s.status(StatusClass::k5xx), 2u);
  EXPECT_EQ(s.status(StatusClass::k503), 1u);
  EXPECT_EQ(s.status(StatusClass::k504), 2u);
  EXPECT_EQ(s.status(StatusClass::kOther), 1u);
  EXPECT_EQ(LatencyModel::secondText(s),
            "t=1 s: 13 requests, p50 10 us, p99 10 us, max 10 us; 2xx 2, 3xx 1, 4xx 2, 429 2, 5xx 2, 503 1, 504 2, other 1");
}

TEST(LatencyModel, TheRingHoldsTheLastTwoMinutes) {
  LatencyModel model;
  for (std::int64_t s = 0; s < 130; ++s) {
    for (std::int64_t i = 0; i <= s % 3; ++i) model.onRequest(latencyRecord(gateway::seconds(s) + 10 + i, 5));
  }
  EXPECT_EQ(model.currentSecond(), 129);
  const auto series = model.series();
  ASSERT_EQ(series.size(), LatencyModel::kSeconds);
  EXPECT_EQ(series.front().second, 10);
  EXPECT_EQ(series.back().second, 129);
  for (const LatencySecond& s : series) EXPECT_EQ(s.requests, static_cast<std::uint64_t>(s.second % 3 + 1)) << s.second;
  EXPECT_EQ(model.second(9).requests, 0u) << "forgotten";
  EXPECT_EQ(model.totalRequests(), 259u);

  // A record of a second the ring forgot is counted as late and changes no second.
  model.onRequest(latencyRecord(gateway::seconds(5), 5));
  EXPECT_EQ(model.tooLate(), 1u);
  EXPECT_EQ(model.second(5).requests, 0u);
  // A late record of a second still held joins it.
  model.onRequest(latencyRecord(gateway::seconds(100) + 7, 5));
  EXPECT_EQ(model.second(100).requests, 100 % 3 + 2u);
}

TEST(LatencyModel, SnapshotsMoveTimeOnWithoutRequests) {
  LatencyModel model;
  model.onSnapshot(gateway::millis(5500), nlohmann::json::object());
  EXPECT_EQ(model.now(), gateway::millis(5500));
  EXPECT_EQ(model.currentSecond(), 5);
  const auto series = model.series();
  ASSERT_EQ(series.size(), 6u);
  for (const LatencySecond& s : series) EXPECT_EQ(s.requests, 0u);
  // An earlier snapshot never moves time back.
  model.onSnapshot(gateway::seconds(2), nlohmann::json::object());
  EXPECT_EQ(model.currentSecond(), 5);
}

TEST(LatencyModel, HistogramBucketsAreLogSpacedOverTheLastSeconds) {
  EXPECT_EQ(LatencyModel::bucketOf(0), 0u);
  EXPECT_EQ(LatencyModel::bucketOf(99), 0u);
  EXPECT_EQ(LatencyModel::bucketOf(100), 1u);
  EXPECT_EQ(LatencyModel::bucketOf(999), 3u);
  EXPECT_EQ(LatencyModel::bucketOf(1000), 4u);
  EXPECT_EQ(LatencyModel::bucketOf(gateway::seconds(15)), LatencyModel::kBuckets - 1);
  EXPECT_EQ(LatencyModel::bucketLabel(0), "<100 us");
  EXPECT_EQ(LatencyModel::bucketLabel(4), "1.0 ms - 2.0 ms");
  EXPECT_EQ(LatencyModel::bucketLabel(LatencyModel::kBuckets - 1), ">=10.00 s");

  LatencyModel model(2);
  model.onRequest(latencyRecord(gateway::millis(200), 50));               // second 0: out of the window at the end
  model.onRequest(latencyRecord(gateway::millis(4100), 1500));            // second 4
  model.onRequest(latencyRecord(gateway::millis(5100), 1999));            // second 5
  model.onRequest(latencyRecord(gateway::millis(5900), gateway::seconds(12)));
  LatencyModel::Buckets expected{};
  expected[4] = 2;
  expected[LatencyModel::kBuckets - 1] = 1;
  EXPECT_EQ(model.histogram(), expected);
  model.setHistogramSeconds(10);
  expected[0] = 1;
  EXPECT_EQ(model.histogram(), expected);
  model.onSnapshot(gateway::seconds(20), nlohmann::json::object());  // ten quiet seconds later
  EXPECT_EQ(model.histogram(), LatencyModel::Buckets{});
}

TEST(LatencyModel, DigestDependsOnSimulatedTimeNotOnHowOftenItWasFed) {
  std::vector<RequestRecord> records;
  for (int i = 0; i < 400; ++i) records.push_back(latencyRecord(gateway::millis(25 * i + 3), 1000 + 37 * i, i % 7 ? 200 : 503));
  LatencyModel stepped, jumped;
  stepped.reset({});
  jumped.reset({});
  std::size_t next = 0;
  for (gateway::TimePoint tick = gateway::millis(100); tick <= gateway::seconds(10); tick += gateway::millis(100)) {
    while (next < records.size() && records[next].end <= tick) stepped.onRequest(records[next++]);
    stepped.onSnapshot(tick, nlohmann::json::object());
  }
  for (const RequestRecord& r : records) jumped.onRequest(r);
  jumped.onSnapshot(gateway::seconds(10), nlohmann::json::object());
  EXPECT_EQ(stepped.digest(), jumped.digest());

  LatencyModel differs;
  for (const RequestRecord& r : records) differs.onRequest(r);
  differs.onRequest(latencyRecord(gateway::millis(9999), 5));
  differs.onSnapshot(gateway::seconds(10), nlohmann::json::object());
  EXPECT_NE(differs.digest(), jumped.digest());

  jumped.reset({});
  EXPECT_EQ(jumped.digest(), LatencyModel().digest());
}

}  // namespace
}  // namespace gwdash
