// Outlier detection per instance at literal timestamps: consecutive 5xx and gateway failures,
// ejection time growing with each ejection and capped, the multiplier forgiven by healthy
// intervals, the max-ejection-percent cap (but at least one), and readmission on time.
#include "libgateway/resilience/outlier_detector.h"

#include <gtest/gtest.h>

#include "libgateway/config/config_loader.h"

namespace gateway {
namespace {

OutlierDetectionConfig od(std::uint32_t c5xx, Duration base, Duration max, std::uint32_t percent = 100) {
  OutlierDetectionConfig c;
  c.consecutive5xx = c5xx;
  c.baseEjection = base;
  c.maxEjection = max;
  c.maxEjectionPercent = percent;
  c.interval = seconds(10);
  return c;
}

// Feeds `n` results of one kind to instance `i` at `at`; returns the last event.
std::optional<OutlierEvent> feed(OutlierDetector& d, std::size_t i, CallHealth h, int n, TimePoint at) {
  std::optional<OutlierEvent> last;
  for (int k = 0; k < n; ++k) {
    if (auto e = d.onResult(i, h, at)) last = e;
  }
  return last;
}

bool isExcluded(OutlierDetector& d, std::size_t i, TimePoint now) {
  std::vector<std::uint8_t> buffer;
  const auto span = d.excluded(now, buffer);
  return i < span.size() && span[i] != 0;
}

TEST(OutlierDetection, FiveConsecutive5xxEjectForTheBaseTime) {
  OutlierDetector d(od(5, seconds(30), seconds(300)), 4);
  EXPECT_FALSE(feed(d, 1, CallHealth::kServerError, 4, seconds(1)));
  const auto e = d.onResult(1, CallHealth::kGatewayFailure, seconds(2));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->instance, 1u);
  EXPECT_EQ(e->at, seconds(2));
  EXPECT_EQ(e->duration, seconds(30));
  EXPECT_EQ(e->reason, "5 consecutive 5xx");
  EXPECT_TRUE(isExcluded(d, 1, seconds(32) - 1));
  EXPECT_FALSE(isExcluded(d, 0, seconds(32) - 1));
  std::vector<std::uint8_t> buffer;
  std::vector<OutlierEvent> back;
  EXPECT_TRUE(d.excluded(seconds(32), buffer, &back).empty());  // readmitted exactly on time
  ASSERT_EQ(back.size(), 1u);
  EXPECT_FALSE(back[0].ejected);
  EXPECT_EQ(back[0].at, seconds(32));
  EXPECT_EQ(d.ejectedCount(), 0u);
}

TEST(OutlierDetection, ASuccessResetsTheCount) {
  OutlierDetector d(od(5, seconds(30), seconds(300)), 2);
  feed(d, 0, CallHealth::kServerError, 4, 0);
  d.onResult(0, CallHealth::kSuccess, 1);
  EXPECT_FALSE(feed(d, 0, CallHealth::kServerError, 4, 2));
  EXPECT_TRUE(d.onResult(0, CallHealth::kServerError, 3));
}

TEST(OutlierDetection, EjectionTimeGrowsWithEachEjectionAndIsCapped) {
  OutlierDetector d(od(1, seconds(30), seconds(75)), 2);
  TimePoint t = 0;
  std::vector<Duration> durations;
  for (int i = 0; i < 4; ++i) {
    const auto e = d.onResult(0, CallHealth::kGatewayFailure, t);
    ASSERT_TRUE(e) << i;
    durations.push_back(e->duration);
    t += e->duration;  // fails again the moment it is readmitted
  }
  EXPECT_EQ(durations, (std::vector<Duration>{seconds(30), seconds(60), seconds(75), seconds(75)}));
  EXPECT_EQ(d.health(0).timesEjected, 4u);
  EXPECT_EQ(d.health(0).multiplier, 4u);
}

TEST(OutlierDetection, HealthyIntervalsLowerTheMultiplier) {
  OutlierDetector d(od(1, seconds(30), seconds(300)), 2);
  d.onResult(0, CallHealth::kGatewayFailure, 0);                  // x1: until 30 s
  d.onResult(0, CallHealth::kGatewayFailure, seconds(30));        // x2: until 90 s
  // Readmitted at 90 s, healthy for 25 s = 2 intervals of 10 s: the multiplier drops 2 -> 0.
  const auto e = d.onResult(0, CallHealth::kGatewayFailure, seconds(115));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->multiplier, 1u);
  EXPECT_EQ(e->duration, seconds(30));
}

TEST(OutlierDetection, GatewayFailuresCountSeparately) {
  OutlierDetectionConfig c = od(0, seconds(30), seconds(300));
  c.consecutiveGatewayFailure = 3;
  OutlierDetector d(c, 2);
  feed(d, 0, CallHealth::kGatewayFailure, 2, 0);
  d.onResult(0, CallHealth::kServerError, 1);  // a 500 is not a gateway failure: resets
  EXPECT_FALSE(feed(d, 0, CallHealth::kGatewayFailure, 2, 2));
  const auto e = d.onResult(0, CallHealth::kGatewayFailure, 3);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->reason, "3 consecutive gateway failures");
}

TEST(OutlierDetection, MaxEjectionPercentCapsTheEjectedShare) {
  OutlierDetector d(od(1, seconds(30), seconds(300), 20), 10);
  EXPECT_EQ(d.maxEjected(), 2u);
  EXPECT_TRUE(d.onResult(0, CallHealth::kServerError, 0));
  EXPECT_TRUE(d.onResult(1, CallHealth::kServerError, 0));
  EXPECT_FALSE(d.onResult(2, CallHealth::kServerError, 0));  // 2 of 10 already out
  EXPECT_EQ(d.ejectedCount(), 2u);
  // Once one is readmitted, the next failure of instance 2 may eject it.
  EXPECT_FALSE(isExcluded(d, 0, seconds(30)));
  EXPECT_TRUE(d.onResult(2, CallHealth::kServerError, seconds(30)));
}

TEST(OutlierDetection, AtLeastOneMayBeEjected) {
  OutlierDetector d(od(1, seconds(30), seconds(300), 10), 3);  // 10% of 3 rounds to 0
  EXPECT_EQ(d.maxEjected(), 1u);
  EXPECT_TRUE(d.onResult(2, CallHealth::kServerError, 0));
  EXPECT_FALSE(d.onResult(1, CallHealth::kServerError, 0));
}

TEST(OutlierDetection, LateResultsDoNotExtendAnEjection) {
  OutlierDetector d(od(2, seconds(30), seconds(300)), 2);
  feed(d, 0, CallHealth::kServerError, 2, 0);
  EXPECT_FALSE(feed(d, 0, CallHealth::kServerError, 5, seconds(1)));  // calls sent before the ejection
  EXPECT_FALSE(isExcluded(d, 0, seconds(30)));
}

TEST(OutlierDetection, Classification) {
  EXPECT_EQ(callHealth(true, 200), CallHealth::kSuccess);
  EXPECT_EQ(callHealth(true, 404), CallHealth::kSuccess);
  EXPECT_EQ(callHealth(true, 500), CallHealth::kServerError);
  EXPECT_EQ(callHealth(true, 503), CallHealth::kGatewayFailure);
  EXPECT_EQ(callHealth(false, 0), CallHealth::kGatewayFailure);
}

TEST(OutlierConfig, DefaultsAndErrors) {
  ConfigLoad ok = loadConfigJson(nlohmann::json::parse(R"({
    "services": [{"name": "s", "instances": ["10.0.0.1:80"], "outlier_detection": {}}],
    "routes": [{"name": "r", "match": {"prefix": "/"}, "service": "s"}]})"));
  ASSERT_TRUE(ok.ok()) << ok.errors.text();
  const auto& od = *ok.config->services[0].outlierDetection;
  EXPECT_EQ(od.consecutive5xx, 5u);  // Envoy's defaults
  EXPECT_EQ(od.baseEjection, seconds(30));
  EXPECT_EQ(od.maxEjection, seconds(300));
  EXPECT_EQ(od.maxEjectionPercent, 10u);

  ConfigLoad bad = loadConfigJson(nlohmann::json::parse(R"({
    "services": [
      {"name": "a", "instances": ["10.0.0.1:80"], "outlier_detection": {"consecutive_5xx": 0, "max_ejection_percent": 150}},
      {"name": "b", "instances": ["10.0.0.1:80"], "outlier_detection": {"base_ejection_ms": 5000, "max_ejection_ms": 1000}},
      {"name": "c", "instances": ["10.0.0.1:80"], "concurrency": {"max_pending": 5}},
      {"name": "d", "instances": ["10.0.0.1:80"], "concurrency": {"max_requests": 10, "adaptive": {"algorithm": "vegas"}}}],
    "routes": [{"name": "r", "match": {"prefix": "/"}, "service": "a"}]})"));
  ASSERT_FALSE(bad.ok());
  const std::string text = bad.errors.text();
  for (const char* want : {
           "/services/0/outlier_detection: consecutive_5xx and consecutive_gateway_failure are both 0: nothing would ever be ejected",
           "/services/0/outlier_detection/max_ejection_percent: must be between 0 and 100, got 150",
           "/services/1/outlier_detection/max_ejection_ms: max_ejection_ms must be at least base_ejection_ms",
           "/services/2/concurrency/max_pending: requests only wait when max_requests is set",
           "/services/3/concurrency/adaptive/algorithm: \"vegas\" is not one of: gradient2",
       }) {
    EXPECT_NE(text.find(want), std::string::npos) << "missing: " << want << "\nall:\n" << text;
  }
}

}  // namespace
}  // namespace gateway
