// The RateLimit-Policy item each algorithm sends, checked against the examples of the IETF
// draft "RateLimit header fields for HTTP" (draft-ietf-httpapi-ratelimit-headers, whose
// q / w / r / t syntax is the same from draft 08 to 11): a config equivalent to a draft
// example must produce the draft's own field. q is the sustained quota per w seconds; what
// may pass at once goes in gw-burst when q does not say it (libgateway/SEMANTICS.md,
// "RateLimit-Policy: q and w for each algorithm").
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "libgateway/pipeline/rate_limit_stage.h"
#include "libgateway/pipeline/stage_list.h"
#include "tests/unit/test_support.h"

namespace gateway {
namespace {

LimiterSpec windowSpec(LimiterAlgorithm a, std::int64_t limit, Duration window) {
  LimiterSpec s;
  s.algorithm = a;
  s.limit = limit;
  s.window = window;
  return s;
}

// Draft section 3.2: RateLimit-Policy: "default";q=100;w=10 (100 requests per 10 seconds).
TEST(RateLimitPolicyHeader, WindowAlgorithmsStateTheirLimitPerWindow) {
  for (auto a : {LimiterAlgorithm::kFixedWindow, LimiterAlgorithm::kSlidingLog, LimiterAlgorithm::kSlidingCounter}) {
    EXPECT_EQ(rateLimitPolicyItem("default", windowSpec(a, 100, seconds(10))), "\"default\";q=100;w=10") << toString(a);
  }
  // Section 3.2's two policies: "permin";q=50;w=60,"perhr";q=1000;w=3600.
  EXPECT_EQ(rateLimitPolicyItem("permin", windowSpec(LimiterAlgorithm::kSlidingLog, 50, seconds(60))), "\"permin\";q=50;w=60");
  EXPECT_EQ(rateLimitPolicyItem("perhr", windowSpec(LimiterAlgorithm::kFixedWindow, 1000, seconds(3600))),
            "\"perhr\";q=1000;w=3600");
}

// A bucket that holds 100 and refills 10 per second lets 100 through at once and 100 per
// 10 s after: the draft's "default";q=100;w=10 again, with nothing to add.
TEST(RateLimitPolicyHeader, BucketsWhoseBurstTheRateRefillsInWholeSecondsMatchTheDraft) {
  for (auto a : {LimiterAlgorithm::kTokenBucket, LimiterAlgorithm::kGcra, LimiterAlgorithm::kLeakyBucket}) {
    EXPECT_EQ(rateLimitPolicyItem("default", testing::rateSpec(a, 10'000, 100)), "\"default\";q=100;w=10") << toString(a);
  }
}

// Rate 200/s with burst 50 used to read "q=50;w=1", i.e. 50 per second: a quarter of the
// rate it admits. Its sustained quota is 200 per second; the 50 at once is a separate fact.
TEST(RateLimitPolicyHeader, ABurstSmallerThanOneSecondOfRateIsStatedApart) {
  EXPECT_EQ(rateLimitPolicyItem("api", testing::rateSpec(LimiterAlgorithm::kTokenBucket, 200'000, 50)), "\"api\";q=200;w=1;gw-burst=50");
  EXPECT_EQ(rateLimitPolicyItem("api", testing::rateSpec(LimiterAlgorithm::kGcra, 200'000, 50)), "\"api\";q=200;w=1;gw-burst=50");
  // A leaky bucket lets nothing through at once beyond its rate (it delays): no gw-burst.
  EXPECT_EQ(rateLimitPolicyItem("api", testing::rateSpec(LimiterAlgorithm::kLeakyBucket, 200'000, 50)), "\"api\";q=200;w=1");
  // Rate 3/s, burst 10: w is the 3.33 s refill rounded up to 4, in which the rate gives 12.
  EXPECT_EQ(rateLimitPolicyItem("t", testing::rateSpec(LimiterAlgorithm::kTokenBucket, 3'000, 10)), "\"t\";q=12;w=4;gw-burst=10");
}

TEST(RateLimitPolicyHeader, SlowRatesGetAWindowLongEnoughForOneRequest) {
  EXPECT_EQ(rateLimitPolicyItem("slow", testing::rateSpec(LimiterAlgorithm::kTokenBucket, 500, 1)), "\"slow\";q=1;w=2");
  EXPECT_EQ(rateLimitPolicyItem("slow", testing::rateSpec(LimiterAlgorithm::kLeakyBucket, 500, 0)), "\"slow\";q=1;w=2");
  EXPECT_EQ(rateLimitPolicyItem("slow", testing::rateSpec(LimiterAlgorithm::kGcra, 1, 1)), "\"slow\";q=1;w=1000");
}

// The draft has no sub-second windows: a window that is not whole seconds is stated as the
// rate over the next whole second count, with the limit as what passes at once.
TEST(RateLimitPolicyHeader, WindowsThatAreNotWholeSecondsStateTheirRate) {
  EXPECT_EQ(rateLimitPolicyItem("fast", windowSpec(LimiterAlgorithm::kFixedWindow, 100, millis(100))),
            "\"fast\";q=1000;w=1;gw-burst=100");
  EXPECT_EQ(rateLimitPolicyItem("odd", windowSpec(LimiterAlgorithm::kSlidingLog, 100, millis(1500))),
            "\"odd\";q=133;w=2;gw-burst=100");
}

// The draft's quota unit for in-flight limits; there is no window.
TEST(RateLimitPolicyHeader, ConcurrencyCountsConcurrentRequests) {
  LimiterSpec s;
  s.algorithm = LimiterAlgorithm::kConcurrency;
  s.limit = 10;
  EXPECT_EQ(rateLimitPolicyItem("conc", s), "\"conc\";q=10;qu=\"concurrent-requests\"");
}

// For every rate, q / w never states more than the rate and is the most it allows in w.
TEST(RateLimitPolicyHeader, QuotaIsTheRateOverTheWindowRoundedDown) {
  int checked = 0;
  const std::vector<std::int64_t> rates = {1, 7, 333, 500, 1'000, 1'667, 9'999, 200'000, 1'000'000'000'000};
  const std::vector<std::int64_t> bursts = {1, 2, 50, 100, 1'000'000'000};
  for (std::int64_t rateMilli : rates) {
    for (std::int64_t burst : bursts) {
      const std::string item = rateLimitPolicyItem("p", testing::rateSpec(LimiterAlgorithm::kTokenBucket, rateMilli, burst));
      std::int64_t q = 0, w = 0;
      ASSERT_EQ(std::sscanf(item.c_str(), "\"p\";q=%ld;w=%ld", &q, &w), 2) << item;
      const __int128 delivered = static_cast<__int128>(rateMilli) * w;  // thousandths of a request
      EXPECT_GE(w, 1) << item;
      EXPECT_GE(q, burst) << item << ": w covers a full burst";
      EXPECT_LE(static_cast<__int128>(q) * 1000, delivered) << item;
      EXPECT_GT(static_cast<__int128>(q + 1) * 1000, delivered) << item;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 45);
}

// Through the gateway: the fields on a real answer, for the draft's own scenarios.
nlohmann::json configWith(const nlohmann::json& policy) {
  nlohmann::json c = nlohmann::json::parse(R"({
    "services": [{"name": "svc", "instances": ["127.0.0.1:9001"], "timeout_ms": 1000}],
    "routes": [{"name": "items", "match": {"prefix": "/items"}, "service": "svc",
                "rate_limit": {"policies": ["default"]}}]
  })");
  c["rate_limits"]["policies"]["default"] = policy;
  return c;
}

struct PolicyHeaderHarness : testing::GatewayHarness {
  explicit PolicyHeaderHarness(const nlohmann::json& config) : GatewayHarness(testing::mustLoad(config)) {
    installStandardStages(gateway, shared, env);
  }
  Response get() {
    auto slot = start(testing::makeRequest("GET", "/items/123"));
    while (!slot->has_value() && !transport.sends.empty()) transport.respond(200);
    EXPECT_TRUE(slot->has_value());
    return slot->value_or(Response{});
  }
};

// Appendix B.2.1: "fixedwindow";q=100;w=60 and, 10 s into the window after one request,
// RateLimit "fixedwindow";r=99;t=50. Section 4.2: r=50;t=30 after 50 requests at 30 s.
TEST(RateLimitPolicyHeader, AFixedWindowAnswersAsTheDraftsExamples) {
  PolicyHeaderHarness h(configWith({{"algorithm", "fixed_window"}, {"limit", 100}, {"window_ms", 60000}}));
  h.clock.set(seconds(10));  // windows start at multiples of 60 s
  Response first = h.get();
  EXPECT_EQ(first.headers.get("RateLimit-Policy"), "\"default\";q=100;w=60");
  EXPECT_EQ(first.headers.get("RateLimit"), "\"default\";r=99;t=50");
  h.clock.set(seconds(30));
  Response fiftieth;
  for (int i = 0; i < 49; ++i) fiftieth = h.get();
  EXPECT_EQ(fiftieth.headers.get("RateLimit"), "\"default\";r=50;t=30");
}

TEST(RateLimitPolicyHeader, ATokenBucketAnswersWithItsSustainedRateAndBurst) {
  PolicyHeaderHarness h(configWith({{"algorithm", "token_bucket"}, {"rate", 200}, {"burst", 50}}));
  Response r = h.get();
  EXPECT_EQ(r.headers.get("RateLimit-Policy"), "\"default\";q=200;w=1;gw-burst=50");
  EXPECT_EQ(r.headers.get("RateLimit"), "\"default\";r=49;t=1");
  // "100 per minute" written as limit + window_ms reads back as the user wrote it.
  PolicyHeaderHarness perMinute(configWith({{"algorithm", "token_bucket"}, {"limit", 100}, {"window_ms", 60000}}));
  EXPECT_EQ(perMinute.get().headers.get("RateLimit-Policy"), "\"default\";q=100;w=60");
}

}  // namespace
}  // namespace gateway
