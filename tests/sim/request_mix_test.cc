// ParamDistribution's Zipf draws: exactly the index a binary search over the cumulative law
// gives for the same uniform draw (the guide table only shortens the search), and the
// observed frequencies follow the law.
#include "sim/workload/request_mix.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "libgateway/core/random.h"

namespace gwsim {
namespace {

std::vector<double> zipfCdf(std::int64_t n, double s) {
  std::vector<double> cdf(static_cast<std::size_t>(n));
  double sum = 0;
  for (std::int64_t k = 1; k <= n; ++k) cdf[static_cast<std::size_t>(k - 1)] = sum += 1.0 / std::pow(static_cast<double>(k), s);
  for (auto& x : cdf) x /= sum;
  return cdf;
}

TEST(ZipfTest, DrawsWhatABinarySearchDraws) {
  for (const auto& [n, s] : std::vector<std::pair<std::int64_t, double>>{{1, 1.0}, {2, 1.0}, {7, 0.5}, {1000, 1.0}, {10000, 1.2}, {50000, 2.0}}) {
    const ParamDistribution d = ParamDistribution::zipf(n, s);
    const std::vector<double> cdf = zipfCdf(n, s);
    gateway::Random drawn(11), reference(11);  // the same uniform sequence
    for (int i = 0; i < 20000; ++i) {
      const double u = reference.unit();
      const auto expected = std::min<std::int64_t>(n, 1 + (std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin()));
      ASSERT_EQ(d.sampleIndex(drawn), expected) << "n=" << n << " s=" << s << " draw " << i;
    }
  }
}

TEST(ZipfTest, FrequenciesFollowTheLaw) {
  const std::int64_t n = 100;
  const ParamDistribution d = ParamDistribution::zipf(n, 1.0);
  double harmonic = 0;
  for (int k = 1; k <= n; ++k) harmonic += 1.0 / k;
  gateway::Random random(3);
  std::vector<int> counts(static_cast<std::size_t>(n + 1), 0);
  const int draws = 200000;
  for (int i = 0; i < draws; ++i) {
    const auto k = d.sampleIndex(random);
    ASSERT_GE(k, 1);
    ASSERT_LE(k, n);
    ++counts[static_cast<std::size_t>(k)];
  }
  for (int k : {1, 2, 10}) {
    const double expected = draws / (k * harmonic);
    EXPECT_NEAR(counts[static_cast<std::size_t>(k)], expected, expected * 0.03) << "k=" << k;
  }
}

}  // namespace
}  // namespace gwsim
