// WindowMax (the overshoot measure): the most times inside any window of its length, checked
// against a brute-force count over random non-decreasing times, including bursts that make the
// ring grow and gaps that empty it.
#include "sim/report/run_stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "libgateway/core/random.h"

namespace gwsim {
namespace {

std::uint64_t bruteForceMax(const std::vector<std::int64_t>& times, std::int64_t window) {
  std::uint64_t best = 0;
  for (std::size_t i = 0; i < times.size(); ++i) {
    // The window ending at times[i]: (times[i] - window, times[i]].
    std::uint64_t n = 0;
    for (std::size_t j = 0; j <= i; ++j) n += times[j] > times[i] - window;
    best = std::max(best, n);
  }
  return best;
}

TEST(WindowMaxTest, MatchesABruteForceCount) {
  gateway::Random random(42);
  for (int round = 0; round < 20; ++round) {
    const std::int64_t window = 1 + static_cast<std::int64_t>(random.uniform(1000));
    WindowMax w(window);
    std::vector<std::int64_t> times;
    std::int64_t t = 0;
    for (int i = 0; i < 400; ++i) {
      // Mostly small steps (bursts), sometimes a gap longer than the window.
      t += random.uniform(10) == 0 ? window * 2 : static_cast<std::int64_t>(random.uniform(20));
      times.push_back(t);
      w.add(t);
    }
    EXPECT_EQ(w.max(), bruteForceMax(times, window)) << "round " << round << " window " << window;
  }
}

TEST(WindowMaxTest, SameInstantCountsEveryTimeAndNoWindowCountsNothing) {
  WindowMax w(1'000'000);
  for (int i = 0; i < 100; ++i) w.add(5);
  EXPECT_EQ(w.max(), 100u);
  w.add(1'000'005);  // the 100 at t=5 leave the window
  EXPECT_EQ(w.max(), 100u);
  WindowMax none;
  none.add(1);
  EXPECT_EQ(none.max(), 0u);
}

}  // namespace
}  // namespace gwsim
