// InvariantDivisor against the hardware division: quotient(n) == n / d and ceil(n) ==
// ceilDiv(n, d) for every divisor a limiter can have (rateMilli 1..1e12) and beyond, on the
// numerators where a multiply-and-shift division goes wrong first: 0, multiples of d and
// their neighbours, powers of two, the top of the int64 range, negatives, and random values.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "libgateway/core/random.h"
#include "libgateway/ratelimit/invariant_divisor.h"

namespace gateway {
namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

std::vector<std::int64_t> numeratorsFor(std::int64_t d, Random& rng) {
  // Candidates are computed in 128 bits; the ones outside the int64 range are dropped.
  using Wide = __int128;
  std::vector<std::int64_t> n;
  const auto add = [&n](Wide v) {
    if (v >= kMin && v <= kMax) n.push_back(static_cast<std::int64_t>(v));
  };
  const Wide w = d;
  for (Wide v : {Wide{0}, Wide{1}, Wide{2}, Wide{3}, w - 1, w, w + 1, 2 * w - 1, 2 * w, 2 * w + 1, Wide{kMax},
                 Wide{kMax} - 1, Wide{kMax} - w, Wide{kMax} - w + 1, Wide{kMax} - w + 2, Wide{-1}, -w, -w - 1,
                 Wide{kMin}, Wide{kMin} + 1, Wide{1'000'000'000'000'000'000}}) {
    add(v);
  }
  for (int b = 1; b < 63; ++b) {
    const Wide p = Wide{1} << b;
    add(p - 1);
    add(p);
    add(p + 1);
  }
  // Neighbours of large multiples of d: q*d - 1 is where a magic number too small shows.
  for (Wide q : {Wide{3}, Wide{1'000'003}, Wide{kMax / d}, Wide{kMax / d} - 1, Wide{kMax / d / 2} + 1}) {
    add(q * w - 1);
    add(q * w);
    add(q * w + 1);
  }
  for (int i = 0; i < 200; ++i) {
    add(static_cast<std::int64_t>(rng.next() >> 1));                       // any size
    add(static_cast<std::int64_t>(rng.next() >> (1 + rng.uniform(62))));  // any magnitude
  }
  return n;
}

void expectExact(std::int64_t d, Random& rng) {
  const InvariantDivisor div(d);
  ASSERT_EQ(div.divisor(), d);
  for (std::int64_t n : numeratorsFor(d, rng)) {
    ASSERT_EQ(div.quotient(n), n / d) << n << " / " << d;
    ASSERT_EQ(div.ceil(n), ceilDiv(n, d)) << "ceil(" << n << " / " << d << ")";
  }
}

TEST(InvariantDivisorTest, SmallDivisorsExhaustivelyOnSmallNumerators) {
  for (std::int64_t d = 1; d <= 300; ++d) {
    const InvariantDivisor div(d);
    for (std::int64_t n = -600; n <= 20'000; ++n) {
      ASSERT_EQ(div.quotient(n), n / d) << n << " / " << d;
      ASSERT_EQ(div.ceil(n), ceilDiv(n, d)) << "ceil(" << n << " / " << d << ")";
    }
  }
}

TEST(InvariantDivisorTest, LimiterRatesAndPowersOfTwo) {
  Random rng(12);
  // rateMilli values that configurations use: 1 request/s is 1000, 1e6/s is 1e9.
  for (std::int64_t d : {std::int64_t{1}, std::int64_t{2}, std::int64_t{3}, std::int64_t{7}, std::int64_t{1000},
                         std::int64_t{1001}, std::int64_t{16'667}, std::int64_t{1'000'000}, std::int64_t{999'999'999},
                         std::int64_t{1'000'000'000}, std::int64_t{1'000'000'000'000}}) {
    expectExact(d, rng);
  }
  for (int b = 1; b < 63; ++b) {
    const std::int64_t p = std::int64_t{1} << b;
    expectExact(p - 1, rng);
    expectExact(p, rng);
    if (b < 62) expectExact(p + 1, rng);
  }
  expectExact(kMax, rng);
  expectExact(kMax - 1, rng);
}

TEST(InvariantDivisorTest, RandomDivisorsOfEveryMagnitude) {
  Random rng(2026);
  for (int i = 0; i < 2000; ++i) {
    const auto d = static_cast<std::int64_t>(rng.next() >> (1 + rng.uniform(62)));
    if (d >= 1) expectExact(d, rng);
  }
}

}  // namespace
}  // namespace gateway
