// Load balancers: exact cycles for the round robins, the power-of-two-choices law for
// least_request, uniformity for random, and stability/spread/weights for ring_hash and maglev.
#include "libgateway/balancing/load_balancer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <string>

#include "libgateway/balancing/consistent_hash.h"

namespace gateway {

// gtest's "GetParam() = ..." line: the algorithm's config name (found next to the enum).
static void PrintTo(LbAlgorithm algorithm, std::ostream* os) { *os << toString(algorithm); }

namespace {

ServiceConfig service(LbAlgorithm algorithm, std::vector<std::uint32_t> weights, std::string prefix = "i") {
  ServiceConfig s;
  s.name = "svc";
  s.loadBalancer.algorithm = algorithm;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    s.instances.push_back({prefix + std::to_string(i), "10.0.0." + std::to_string(i + 1) + ":80", weights[i]});
  }
  return s;
}

// A balancer with its own in-flight counters.
struct Balancer {
  explicit Balancer(const ServiceConfig& s) : config(s), inFlight(s.instances.size()), lb(makeLoadBalancer(config, inFlight)) {}
  std::size_t pick(Random& r, std::span<const std::uint8_t> excluded = {}, std::string_view key = {}) {
    PickContext ctx;
    ctx.excluded = excluded;
    ctx.hashKey = key;
    auto i = lb->pick(ctx, r);
    EXPECT_TRUE(i.has_value());
    return i.value_or(SIZE_MAX);
  }
  std::optional<std::size_t> tryPick(Random& r, std::span<const std::uint8_t> excluded, std::string_view key = {}) {
    PickContext ctx;
    ctx.excluded = excluded;
    ctx.hashKey = key;
    return lb->pick(ctx, r);
  }
  ServiceConfig config;
  InFlightCounters inFlight;
  std::unique_ptr<LoadBalancer> lb;
};

std::vector<double> shares(const std::vector<int>& counts) {
  const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  std::vector<double> out;
  for (int c : counts) out.push_back(c / total);
  return out;
}

std::string key(int i) { return "user-" + std::to_string(i); }

TEST(LoadBalancerTest, EveryAlgorithmReturnsNulloptWhenAllAreExcluded) {
  for (auto algorithm : {LbAlgorithm::kRoundRobin, LbAlgorithm::kWeightedRoundRobin, LbAlgorithm::kLeastRequest,
                         LbAlgorithm::kRandom, LbAlgorithm::kRingHash, LbAlgorithm::kMaglev}) {
    Balancer b(service(algorithm, {1, 2, 3}));
    Random r(1);
    const std::vector<std::uint8_t> all = {1, 1, 1};
    EXPECT_FALSE(b.tryPick(r, all)) << toString(algorithm);
    EXPECT_FALSE(b.tryPick(r, all, "some-key")) << toString(algorithm);
    // One left: always that one.
    const std::vector<std::uint8_t> allButOne = {1, 0, 1};
    for (int i = 0; i < 50; ++i) {
      EXPECT_EQ(b.tryPick(r, allButOne, key(i)), 1u) << toString(algorithm);
    }
  }
}

TEST(RoundRobinTest, ExactCycle) {
  Balancer b(service(LbAlgorithm::kRoundRobin, {1, 1, 1}));
  Random r(1);
  std::vector<std::size_t> seq;
  for (int i = 0; i < 9; ++i) seq.push_back(b.pick(r));
  EXPECT_EQ(seq, (std::vector<std::size_t>{0, 1, 2, 0, 1, 2, 0, 1, 2}));
}

TEST(RoundRobinTest, SkipsExcludedInstances) {
  Balancer b(service(LbAlgorithm::kRoundRobin, {1, 1, 1, 1}));
  Random r(1);
  const std::vector<std::uint8_t> excluded = {0, 1, 0, 0};
  std::vector<std::size_t> seq;
  for (int i = 0; i < 6; ++i) seq.push_back(b.pick(r, excluded));
  EXPECT_EQ(seq, (std::vector<std::size_t>{0, 2, 3, 0, 2, 3}));
}

// Smooth WRR properties over three cycles: the exact sequence is periodic with the weights as
// counts per cycle, and every prefix stays within one pick of its ideal share.
void checkSmoothWeighted(const std::vector<std::uint32_t>& weights) {
  SCOPED_TRACE(::testing::PrintToString(weights));
  Balancer b(service(LbAlgorithm::kWeightedRoundRobin, weights));
  Random r(1);
  const std::uint64_t total = std::accumulate(weights.begin(), weights.end(), std::uint64_t{0});
  std::vector<std::size_t> seq;
  for (std::uint64_t k = 0; k < 3 * total; ++k) seq.push_back(b.pick(r));
  // Every window of one cycle (aligned or not) holds exactly `weight` picks of each instance,
  // so no instance ever gets more than its share within a cycle.
  for (std::size_t start = 0; start + total <= seq.size(); ++start) {
    std::vector<std::uint32_t> counts(weights.size(), 0);
    for (std::size_t k = start; k < start + total; ++k) ++counts[seq[k]];
    ASSERT_EQ(counts, weights) << "window starting at " << start;
  }
  // Smoothness: after k picks, instance i has been picked within 1 of k * w_i / W times
  // (a burst like "a a a a a b c" for 5/1/1 would be 1.4 ahead after 5 picks).
  std::vector<double> counts(weights.size(), 0);
  for (std::size_t k = 0; k < seq.size(); ++k) {
    ++counts[seq[k]];
    for (std::size_t i = 0; i < weights.size(); ++i) {
      const double ideal = static_cast<double>(k + 1) * weights[i] / static_cast<double>(total);
      ASSERT_LE(std::fabs(counts[i] - ideal), 1.0 + 1e-9) << "instance " << i << " after " << k + 1;
    }
  }
}

TEST(WeightedRoundRobinTest, NginxSmoothSequence) {
  Balancer b(service(LbAlgorithm::kWeightedRoundRobin, {5, 1, 1}));
  Random r(1);
  std::vector<std::size_t> seq;
  for (int i = 0; i < 14; ++i) seq.push_back(b.pick(r));
  // NGINX's documented order for weights a=5, b=1, c=1: a a b a c a a.
  EXPECT_EQ(seq, (std::vector<std::size_t>{0, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 2, 0, 0}));
}

TEST(WeightedRoundRobinTest, ExactProportionsAndSmoothness) {
  checkSmoothWeighted({5, 1, 1});
  checkSmoothWeighted({3, 2, 1});
  checkSmoothWeighted({1, 1, 1, 1});
  checkSmoothWeighted({7, 3, 2, 1, 1});
  checkSmoothWeighted({10, 1});
  checkSmoothWeighted({100, 37, 3});
}

TEST(WeightedRoundRobinTest, ExcludedInstanceGetsNoTurnsOthersKeepTheirRatio) {
  Balancer b(service(LbAlgorithm::kWeightedRoundRobin, {2, 5, 1}));
  Random r(1);
  const std::vector<std::uint8_t> excluded = {0, 1, 0};
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 300; ++i) ++counts[b.pick(r, excluded)];
  EXPECT_EQ(counts, (std::vector<int>{200, 0, 100}));
}

// Probability that the least loaded of `choices` uniform samples (with replacement) is the
// instance of rank i (0 = least loaded) among n with distinct loads.
double p2cLaw(int n, int choices, int i) {
  return (std::pow(n - i, choices) - std::pow(n - i - 1, choices)) / std::pow(n, choices);
}

TEST(LeastRequestTest, FollowsThePowerOfChoicesLaw) {
  for (std::uint32_t choices : {2u, 3u}) {
    ServiceConfig s = service(LbAlgorithm::kLeastRequest, {1, 1, 1, 1});
    s.loadBalancer.choices = choices;
    Balancer b(s);
    // In flight: instance 0 idle, 1 has one, 2 has two, 3 has three.
    for (std::size_t i = 0; i < 4; ++i) {
      for (std::size_t k = 0; k < i; ++k) b.inFlight.increment(i);
    }
    Random r(3);
    std::vector<int> counts(4, 0);
    constexpr int kPicks = 160000;
    for (int k = 0; k < kPicks; ++k) ++counts[b.pick(r)];
    const auto got = shares(counts);
    for (int i = 0; i < 4; ++i) {
      EXPECT_NEAR(got[i], p2cLaw(4, static_cast<int>(choices), i), 0.005) << "choices " << choices << " rank " << i;
    }
  }
}

TEST(LeastRequestTest, BusiestInstanceIsPickedFarLess) {
  Balancer b(service(LbAlgorithm::kLeastRequest, {1, 1, 1, 1}));
  for (int k = 0; k < 10; ++k) b.inFlight.increment(2);
  Random r(4);
  std::vector<int> counts(4, 0);
  constexpr int kPicks = 100000;
  for (int k = 0; k < kPicks; ++k) ++counts[b.pick(r)];
  const auto got = shares(counts);
  // Only when both samples hit it: 1/16, against 1/4 for a load-blind pick.
  EXPECT_NEAR(got[2], 1.0 / 16, 0.005);
  for (int i : {0, 1, 3}) EXPECT_NEAR(got[i], 5.0 / 16, 0.01);
}

TEST(LeastRequestTest, KeepsLoadBalancedAsRequestsAccumulate) {
  Balancer b(service(LbAlgorithm::kLeastRequest, {1, 1, 1, 1, 1, 1, 1, 1}));
  Random r(5);
  for (int k = 0; k < 800; ++k) b.inFlight.increment(b.pick(r));  // nothing completes
  std::int64_t lo = INT64_MAX, hi = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    lo = std::min(lo, b.inFlight.get(i));
    hi = std::max(hi, b.inFlight.get(i));
  }
  EXPECT_LE(hi - lo, 6);  // a load-blind random pick spreads over about 25 here
}

TEST(LeastRequestTest, NeverPicksExcluded) {
  Balancer b(service(LbAlgorithm::kLeastRequest, {1, 1, 1}));
  b.inFlight.increment(1);
  b.inFlight.increment(2);
  const std::vector<std::uint8_t> excluded = {1, 0, 0};  // the idle one is ejected
  Random r(6);
  for (int k = 0; k < 1000; ++k) EXPECT_NE(b.pick(r, excluded), 0u);
}

TEST(RandomBalancerTest, UniformAndSkipsExcluded) {
  Balancer b(service(LbAlgorithm::kRandom, {1, 1, 1, 1}));
  Random r(7);
  std::vector<int> counts(4, 0);
  constexpr int kPicks = 100000;
  for (int k = 0; k < kPicks; ++k) ++counts[b.pick(r)];
  for (double s : shares(counts)) EXPECT_NEAR(s, 0.25, 0.006);

  const std::vector<std::uint8_t> excluded = {0, 0, 1, 0};
  counts.assign(4, 0);
  for (int k = 0; k < kPicks; ++k) ++counts[b.pick(r, excluded)];
  EXPECT_EQ(counts[2], 0);
  for (int i : {0, 1, 3}) EXPECT_NEAR(shares(counts)[i], 1.0 / 3, 0.006);
}

// ---- consistent hashing ---------------------------------------------------------------------

constexpr int kKeys = 100000;

std::vector<std::size_t> assign(Balancer& b, std::span<const std::uint8_t> excluded = {}) {
  Random r(8);
  std::vector<std::size_t> out;
  for (int k = 0; k < kKeys; ++k) out.push_back(b.pick(r, excluded, key(k)));
  return out;
}

std::vector<int> countsOf(const std::vector<std::size_t>& owners, std::size_t n) {
  std::vector<int> counts(n, 0);
  for (auto o : owners) ++counts[o];
  return counts;
}

class ConsistentHashTest : public ::testing::TestWithParam<LbAlgorithm> {};

TEST_P(ConsistentHashTest, SameKeySameInstance) {
  Balancer a(service(GetParam(), {1, 1, 1, 1, 1}));
  Balancer b(service(GetParam(), {1, 1, 1, 1, 1}));  // another process, same config
  Random r1(1), r2(999);
  for (int k = 0; k < 2000; ++k) {
    const std::size_t first = a.pick(r1, {}, key(k));
    EXPECT_EQ(a.pick(r1, {}, key(k)), first);
    EXPECT_EQ(b.pick(r2, {}, key(k)), first);  // no dependence on the Random or on history
  }
}

TEST_P(ConsistentHashTest, KeysSpreadEvenly) {
  Balancer b(service(GetParam(), {1, 1, 1, 1}));
  const auto got = shares(countsOf(assign(b), 4));
  const double tolerance = GetParam() == LbAlgorithm::kMaglev ? 0.01 : 0.025;
  for (double s : got) EXPECT_NEAR(s, 0.25, tolerance);
}

TEST_P(ConsistentHashTest, WeightsAreRespected) {
  Balancer b(service(GetParam(), {1, 2, 5}));
  const auto got = shares(countsOf(assign(b), 3));
  const double tolerance = GetParam() == LbAlgorithm::kMaglev ? 0.01 : 0.025;
  EXPECT_NEAR(got[0], 1.0 / 8, tolerance);
  EXPECT_NEAR(got[1], 2.0 / 8, tolerance);
  EXPECT_NEAR(got[2], 5.0 / 8, tolerance);
}

TEST_P(ConsistentHashTest, ExcludingAnInstanceMovesOnlyItsKeys) {
  Balancer b(service(GetParam(), {1, 1, 1, 1}));
  const auto before = assign(b);
  const std::vector<std::uint8_t> excluded = {0, 0, 1, 0};
  const auto after = assign(b, excluded);
  int moved = 0, movedOthers = 0;
  for (int k = 0; k < kKeys; ++k) {
    EXPECT_NE(after[k], 2u);
    if (before[k] != after[k]) ++moved;
    if (before[k] != 2 && before[k] != after[k]) ++movedOthers;
  }
  EXPECT_EQ(movedOthers, 0);  // the others stay put
  EXPECT_EQ(moved, countsOf(before, 4)[2]);
  EXPECT_NEAR(static_cast<double>(moved) / kKeys, 0.25, 0.03);
  // Its keys spread over the survivors rather than all landing on one neighbour.
  std::vector<int> heirs(4, 0);
  for (int k = 0; k < kKeys; ++k) {
    if (before[k] == 2) ++heirs[after[k]];
  }
  for (int i : {0, 1, 3}) EXPECT_GT(heirs[i], moved / 10) << "heir " << i;
}

TEST_P(ConsistentHashTest, RemovingAnInstanceMovesAboutItsShare) {
  // The same service rebuilt without "i2": the other instances keep their keys.
  ServiceConfig four = service(GetParam(), {1, 1, 1, 1});
  ServiceConfig three = four;
  three.instances.erase(three.instances.begin() + 2);
  Balancer b4(four), b3(three);
  const auto before = assign(b4);
  const auto after = assign(b3);
  int survivorsMoved = 0, survivors = 0;
  for (int k = 0; k < kKeys; ++k) {
    if (before[k] == 2) continue;
    ++survivors;
    if (four.instances[before[k]].id != three.instances[after[k]].id) ++survivorsMoved;
  }
  // Ring hash keeps every other point, so nothing else moves; Maglev's table is rebuilt and
  // the paper's bound is "a few percent".
  const double tolerance = GetParam() == LbAlgorithm::kMaglev ? 0.01 : 0.0;
  EXPECT_LE(static_cast<double>(survivorsMoved) / survivors, tolerance);
  EXPECT_NEAR(1.0 - static_cast<double>(survivors) / kKeys, 0.25, 0.03);
}

TEST_P(ConsistentHashTest, NoKeyMeansRandomPick) {
  Balancer b(service(GetParam(), {1, 1, 1, 1}));
  Random r(9);
  std::vector<int> counts(4, 0);
  for (int k = 0; k < 40000; ++k) ++counts[b.pick(r)];
  for (double s : shares(counts)) EXPECT_NEAR(s, 0.25, 0.01);
}

INSTANTIATE_TEST_SUITE_P(Algorithms, ConsistentHashTest, ::testing::Values(LbAlgorithm::kRingHash, LbAlgorithm::kMaglev),
                         [](const auto& info) { return std::string(toString(info.param)); });

TEST(RingHashTest, PointsPerUnitOfWeight) {
  ServiceConfig s = service(LbAlgorithm::kRingHash, {1, 3});
  EXPECT_EQ(RingHash(s.instances, 100).points(), 400u);
  EXPECT_EQ(RingHash(service(LbAlgorithm::kRingHash, {1, 1, 1}).instances, 64).points(), 192u);
  // Huge weights are scaled down as a whole instead of overflowing.
  const RingHash big(service(LbAlgorithm::kRingHash, {600'000, 200'000}).instances, 1 << 20);
  EXPECT_EQ(big.points(), (1u << 20) / 4 * 4);  // 3/4 and 1/4 of 2^20
  RingHash empty({}, 1024);
  Random r(1);
  EXPECT_FALSE(empty.pick(PickContext{"k", {}}, r));
}

TEST(MaglevTest, TableIsFullAndProportionalToWeights) {
  const Maglev m(service(LbAlgorithm::kMaglev, {1, 2, 5}).instances);
  std::vector<int> counts(3, 0);
  for (auto i : m.table()) {
    ASSERT_LT(i, 3u);
    ++counts[i];
  }
  const auto got = shares(counts);
  EXPECT_NEAR(got[0], 1.0 / 8, 0.001);
  EXPECT_NEAR(got[1], 2.0 / 8, 0.001);
  EXPECT_NEAR(got[2], 5.0 / 8, 0.001);
  Random r(1);
  EXPECT_FALSE(Maglev({}).pick(PickContext{"k", {}}, r));
}

}  // namespace
}  // namespace gateway
