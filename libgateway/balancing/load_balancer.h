// Load balancers: choose one instance of a service for each request. One object per service,
// shared by every worker thread of the instance: pick() is thread-safe (atomics or a short
// mutex). Instances are referred to by their index in ServiceConfig::instances.
// Algorithms: round_robin, weighted_round_robin (smooth, as NGINX), least_request (power of
// N choices on in-flight counts), random, ring_hash (Ketama-style ring), maglev (65537-entry
// lookup table). Excluded instances (ejected by outlier detection) are skipped.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "libgateway/config/config.h"
#include "libgateway/core/random.h"

namespace gateway {

// Requests in flight per instance, kept by the caller (ServiceRuntime) and read by least_request.
class InFlightCounters {
 public:
  explicit InFlightCounters(std::size_t n) : counts_(n) {}
  void increment(std::size_t i) { counts_[i].fetch_add(1, std::memory_order_relaxed); }
  void decrement(std::size_t i) { counts_[i].fetch_sub(1, std::memory_order_relaxed); }
  std::int64_t get(std::size_t i) const { return counts_[i].load(std::memory_order_relaxed); }
  std::size_t size() const { return counts_.size(); }

 private:
  std::vector<std::atomic<std::int64_t>> counts_;
};

struct PickContext {
  // What consistent hashing hashes (a header value, the client address, the path); empty
  // means "no key": hashing balancers then pick at random, as Envoy does.
  std::string_view hashKey;
  // excluded[i] != 0 skips instance i; empty means none is excluded.
  std::span<const std::uint8_t> excluded;
};

class LoadBalancer {
 public:
  virtual ~LoadBalancer() = default;
  // The chosen instance, or nullopt when every instance is excluded.
  virtual std::optional<std::size_t> pick(const PickContext& context, Random& random) = 0;
};

// `inFlight` must outlive the balancer; only least_request reads it.
std::unique_ptr<LoadBalancer> makeLoadBalancer(const ServiceConfig& service, const InFlightCounters& inFlight);

}  // namespace gateway
