// Consistent-hashing load balancers: a request's hash key (header, client address, path)
// maps to the same instance while the instance set is unchanged, and removing one instance
// moves only the keys it owned. Tables are built once and immutable: pick() is thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "libgateway/balancing/load_balancer.h"

namespace gateway {

// Ketama-style ring: each instance owns ringSize * weight points (scaled down only when the
// ring would exceed 2^20 points), so the others keep their points when one is removed.
class RingHash final : public LoadBalancer {
 public:
  RingHash(const std::vector<InstanceConfig>& instances, std::uint32_t ringSize);
  std::optional<std::size_t> pick(const PickContext& context, Random& random) override;
  std::size_t points() const { return ring_.size(); }

 private:
  struct Point {
    std::uint64_t hash;
    std::uint32_t instance;
  };
  std::vector<Point> ring_;
  std::size_t instances_;
};

// Maglev (Eisenbud et al., NSDI 2016) with weights: a 65537-entry table filled from each
// instance's permutation, turns in proportion to weight. O(1) lookups.
class Maglev final : public LoadBalancer {
 public:
  static constexpr std::uint32_t kTableSize = 65537;
  explicit Maglev(const std::vector<InstanceConfig>& instances);
  std::optional<std::size_t> pick(const PickContext& context, Random& random) override;
  const std::vector<std::uint32_t>& table() const { return table_; }

 private:
  std::vector<std::uint32_t> table_;
  std::size_t instances_;
};

}  // namespace gateway
