// gwload's arrival schedule: constant spacing exact over long runs, Poisson gaps with the
// right mean and variance from a seed, deterministic, and threads interleaving one rate.
#include "tools/gwload/schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace gwload {
namespace {

std::vector<gateway::Duration> drain(Schedule s) {
  std::vector<gateway::Duration> out;
  while (s.more() && out.size() < 10'000'000) {
    out.push_back(s.next());
    s.advance();
  }
  return out;
}

TEST(GwloadScheduleTest, ConstantIsExactlySpacedWithoutDrift) {
  // 3 per second does not divide a second evenly: positions come from the index, not sums.
  const auto times = drain(Schedule(Arrival::kConstant, 3.0, gateway::seconds(3600), 1));
  ASSERT_EQ(times.size(), 3u * 3600u);
  for (std::size_t i = 0; i < times.size(); ++i) {
    ASSERT_EQ(times[i], static_cast<gateway::Duration>(std::llround(static_cast<double>(i) * 1e6 / 3.0))) << i;
  }
  EXPECT_EQ(times.back(), 3599'666'667);
  const auto fast = drain(Schedule(Arrival::kConstant, 400.0, gateway::seconds(2), 1));
  ASSERT_EQ(fast.size(), 800u);
  for (std::size_t i = 1; i < fast.size(); ++i) ASSERT_EQ(fast[i] - fast[i - 1], 2500);
}

TEST(GwloadScheduleTest, PoissonHasTheRateMeanAndVariance) {
  const double rate = 1000.0;
  const auto times = drain(Schedule(Arrival::kPoisson, rate, gateway::seconds(200), 7));
  // 200000 expected; the count of a Poisson process has sd sqrt(200000) ~ 447.
  EXPECT_NEAR(static_cast<double>(times.size()), 200'000.0, 5 * 447.0);
  double sum = 0, sumSq = 0;
  for (std::size_t i = 1; i < times.size(); ++i) {
    const double gap = static_cast<double>(times[i] - times[i - 1]);
    sum += gap;
    sumSq += gap * gap;
  }
  const double n = static_cast<double>(times.size() - 1);
  const double mean = sum / n;
  const double variance = sumSq / n - mean * mean;
  // Exponential gaps: mean 1/rate = 1000 us, variance 1/rate^2 = 1e6 us^2.
  EXPECT_NEAR(mean, 1000.0, 10.0);
  EXPECT_NEAR(variance, 1e6, 0.03e6);
  EXPECT_TRUE(std::is_sorted(times.begin(), times.end()));
}

TEST(GwloadScheduleTest, PoissonIsDeterministicForASeed) {
  const auto a = drain(Schedule(Arrival::kPoisson, 500.0, gateway::seconds(5), 42));
  const auto b = drain(Schedule(Arrival::kPoisson, 500.0, gateway::seconds(5), 42));
  const auto c = drain(Schedule(Arrival::kPoisson, 500.0, gateway::seconds(5), 43));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(a.front(), 0);  // a run starts with a request
}

TEST(GwloadScheduleTest, ThreadsInterleaveOneConstantRate) {
  std::vector<gateway::Duration> all;
  for (int part = 0; part < 4; ++part) {
    const auto times = drain(Schedule(Arrival::kConstant, 1000.0, gateway::seconds(1), 1, part, 4));
    EXPECT_EQ(times.size(), 250u) << part;
    all.insert(all.end(), times.begin(), times.end());
  }
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), 1000u);
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], static_cast<gateway::Duration>(i) * 1000) << i;
}

TEST(GwloadScheduleTest, EndsBeforeItsLength) {
  const auto times = drain(Schedule(Arrival::kConstant, 10.0, gateway::millis(1000), 1));
  ASSERT_EQ(times.size(), 10u);
  EXPECT_EQ(times.back(), 900'000);
  EXPECT_EQ(toString(Arrival::kPoisson), "poisson");
}

}  // namespace
}  // namespace gwload
