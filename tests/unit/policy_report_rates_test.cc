// The breaker section's window rates (failure_rate, slow_call_rate): percent of the window's
// calls as each mode judges them (Hystrix's a whole number), null while the window is empty,
// in consecutive mode, and slow_call_rate outside failure_rate mode.
#include <gtest/gtest.h>

#include "libgateway/pipeline/policy_report.h"
#include "test_support.h"

namespace gateway {
namespace {

using nlohmann::json;

json ratesConfig() {
  auto service = [](const std::string& name, json breaker) {
    return json{{"name", name}, {"instances", {{{"id", name + "-1"}, {"address", "10.0.0.1:80"}}}}, {"circuit_breaker", breaker}};
  };
  return {{"services",
           {service("rate", {{"mode", "failure_rate"}, {"window_size", 10}, {"minimum_calls", 5},
                             {"failure_rate_threshold", 90}, {"slow_call_duration_ms", 100}}),
            service("hystrix", {{"mode", "hystrix"}, {"window_size", 10}, {"minimum_calls", 50}}),
            service("consecutive", {{"mode", "consecutive"}, {"max_errors", 5}})}},
          {"routes", {{{"name", "r"}, {"match", {{"prefix", "/"}}}, {"service", "rate"}}}}};
}

class PolicyReportRatesTest : public ::testing::Test {
 protected:
  PolicyReportRatesTest() : shared(testing::mustLoad(ratesConfig())) {}

  CircuitBreaker& breaker(const std::string& name) {
    const auto runtime = shared.runtime();
    for (std::size_t i = 0; i < runtime->serviceCount(); ++i) {
      if (runtime->service(i).config->name == name) return *runtime->service(i).breaker;
    }
    throw std::runtime_error("no service " + name);
  }
  void call(const std::string& name, bool failure, Duration duration) {
    CircuitBreaker& b = breaker(name);
    const BreakerPermit p = b.tryAcquire(now);
    ASSERT_TRUE(p.admitted);
    b.onResult(p, failure, duration, now);
  }
  json breakers() { return policySnapshot(shared, now)["circuit_breakers"]; }

  TimePoint now = seconds(10);
  SharedState shared;
};

TEST_F(PolicyReportRatesTest, EmptyWindowsHaveNoRate) {
  const json cb = breakers();
  for (const char* name : {"rate", "hystrix", "consecutive"}) {
    EXPECT_TRUE(cb[name]["failure_rate"].is_null()) << name;
    EXPECT_TRUE(cb[name]["slow_call_rate"].is_null()) << name;
  }
}

TEST_F(PolicyReportRatesTest, FailureRateModeReportsBothRates) {
  call("rate", true, millis(5));
  call("rate", false, millis(150));  // slow
  call("rate", false, millis(5));
  const json rate = breakers()["rate"];
  EXPECT_EQ(rate["calls"], 3);
  EXPECT_DOUBLE_EQ(rate["failure_rate"].get<double>(), 100.0 / 3);
  EXPECT_DOUBLE_EQ(rate["slow_call_rate"].get<double>(), 100.0 / 3);
  EXPECT_EQ(rate["state"], "closed");  // under minimum_calls: not judged, still reported
}

TEST_F(PolicyReportRatesTest, HystrixRateIsAWholeNumberAndHasNoSlowRate) {
  call("hystrix", true, millis(5));
  call("hystrix", false, millis(5));
  call("hystrix", false, millis(5));
  const json h = breakers()["hystrix"];
  EXPECT_EQ(h["failure_rate"].get<double>(), 33.0);
  EXPECT_TRUE(h["slow_call_rate"].is_null());
}

TEST_F(PolicyReportRatesTest, ConsecutiveModeHasNoRate) {
  call("consecutive", true, millis(5));
  call("consecutive", true, millis(5));
  const json c = breakers()["consecutive"];
  EXPECT_EQ(c["failures"], 2);
  EXPECT_TRUE(c["failure_rate"].is_null());
}

}  // namespace
}  // namespace gateway
