#include "libgateway/balancing/load_balancer.h"

#include <mutex>

#include "libgateway/balancing/consistent_hash.h"

namespace gateway {

namespace {

bool isExcluded(const PickContext& ctx, std::size_t i) { return i < ctx.excluded.size() && ctx.excluded[i] != 0; }

// Picks uniformly among the instances that are not excluded.
std::optional<std::size_t> randomAvailable(std::size_t n, const PickContext& ctx, Random& random) {
  if (ctx.excluded.empty()) return n == 0 ? std::nullopt : std::optional<std::size_t>(random.uniform(n));
  std::size_t available = 0;
  for (std::size_t i = 0; i < n; ++i) available += !isExcluded(ctx, i);
  if (available == 0) return std::nullopt;
  std::size_t k = random.uniform(available);
  for (std::size_t i = 0; i < n; ++i) {
    if (isExcluded(ctx, i)) continue;
    if (k-- == 0) return i;
  }
  return std::nullopt;
}

class RoundRobin final : public LoadBalancer {
 public:
  explicit RoundRobin(std::size_t n) : n_(n) {}
  std::optional<std::size_t> pick(const PickContext& ctx, Random&) override {
    for (std::size_t tries = 0; tries < n_; ++tries) {
      const std::size_t i = cursor_.fetch_add(1, std::memory_order_relaxed) % n_;
      if (!isExcluded(ctx, i)) return i;
    }
    return std::nullopt;
  }

 private:
  std::size_t n_;
  std::atomic<std::uint64_t> cursor_{0};
};

// NGINX's smooth weighted round robin: each pick adds every weight to its current value,
// takes the largest and subtracts the total. Spreads a heavy instance's turns evenly.
class WeightedRoundRobin final : public LoadBalancer {
 public:
  explicit WeightedRoundRobin(const std::vector<InstanceConfig>& instances)
      : weights_(instances.size()), current_(instances.size(), 0) {
    for (std::size_t i = 0; i < instances.size(); ++i) weights_[i] = instances[i].weight;
  }
  std::optional<std::size_t> pick(const PickContext& ctx, Random&) override {
    std::lock_guard lock(mutex_);
    std::int64_t total = 0;
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < weights_.size(); ++i) {
      if (isExcluded(ctx, i)) continue;
      current_[i] += weights_[i];
      total += weights_[i];
      if (!best || current_[i] > current_[*best]) best = i;
    }
    if (best) current_[*best] -= total;
    return best;
  }

 private:
  std::vector<std::int64_t> weights_;
  std::vector<std::int64_t> current_;
  std::mutex mutex_;
};

class RandomPick final : public LoadBalancer {
 public:
  explicit RandomPick(std::size_t n) : n_(n) {}
  std::optional<std::size_t> pick(const PickContext& ctx, Random& random) override {
    return randomAvailable(n_, ctx, random);
  }

 private:
  std::size_t n_;
};

// Power of N choices (Envoy least_request, default 2): sample N distinct-ish instances at
// random and keep the one with the fewest requests in flight; ties go to the first sampled.
class LeastRequest final : public LoadBalancer {
 public:
  LeastRequest(std::size_t n, std::uint32_t choices, const InFlightCounters& inFlight)
      : n_(n), choices_(choices), inFlight_(inFlight) {}
  std::optional<std::size_t> pick(const PickContext& ctx, Random& random) override {
    std::optional<std::size_t> best;
    for (std::uint32_t c = 0; c < choices_; ++c) {
      auto i = randomAvailable(n_, ctx, random);
      if (!i) return std::nullopt;
      if (!best || inFlight_.get(*i) < inFlight_.get(*best)) best = i;
    }
    return best;
  }

 private:
  std::size_t n_;
  std::uint32_t choices_;
  const InFlightCounters& inFlight_;
};

}  // namespace

std::unique_ptr<LoadBalancer> makeLoadBalancer(const ServiceConfig& service, const InFlightCounters& inFlight) {
  const auto n = service.instances.size();
  switch (service.loadBalancer.algorithm) {
    case LbAlgorithm::kRoundRobin: return std::make_unique<RoundRobin>(n);
    case LbAlgorithm::kWeightedRoundRobin: return std::make_unique<WeightedRoundRobin>(service.instances);
    case LbAlgorithm::kLeastRequest:
      return std::make_unique<LeastRequest>(n, service.loadBalancer.choices, inFlight);
    case LbAlgorithm::kRandom: return std::make_unique<RandomPick>(n);
    case LbAlgorithm::kRingHash: return std::make_unique<RingHash>(service.instances, service.loadBalancer.ringSize);
    case LbAlgorithm::kMaglev: return std::make_unique<Maglev>(service.instances);
  }
  return std::make_unique<RoundRobin>(n);
}

}  // namespace gateway
