#include "libgateway/config/config.h"

namespace gateway {

std::string_view toString(LbAlgorithm algorithm) {
  switch (algorithm) {
    case LbAlgorithm::kRoundRobin: return "round_robin";
    case LbAlgorithm::kWeightedRoundRobin: return "weighted_round_robin";
    case LbAlgorithm::kLeastRequest: return "least_request";
    case LbAlgorithm::kRandom: return "random";
    case LbAlgorithm::kRingHash: return "ring_hash";
    case LbAlgorithm::kMaglev: return "maglev";
  }
  return "unknown";
}

std::string_view toString(PathMatchType type) {
  switch (type) {
    case PathMatchType::kExact: return "path";
    case PathMatchType::kPrefix: return "prefix";
    case PathMatchType::kTemplate: return "template";
  }
  return "unknown";
}

std::string_view toString(LimitKey key) {
  switch (key) {
    case LimitKey::kConsumer: return "consumer";
    case LimitKey::kApiKey: return "api_key";
    case LimitKey::kClientAddress: return "client_address";
    case LimitKey::kHeader: return "header";
    case LimitKey::kRoute: return "route";
  }
  return "unknown";
}

std::string_view toString(ClusterLimitMode mode) {
  return mode == ClusterLimitMode::kSync ? "sync" : mode == ClusterLimitMode::kSplit ? "split" : "exact";
}

std::string_view toString(ClusterLimitFailure failure) {
  switch (failure) {
    case ClusterLimitFailure::kFailOpen: return "fail_open";
    case ClusterLimitFailure::kFailClosed: return "fail_closed";
    case ClusterLimitFailure::kLocalFallback: return "local_fallback";
  }
  return "unknown";
}

void StatusSet::addClass(int hundreds) {
  for (int s = hundreds * 100; s < hundreds * 100 + 100 && s < 600; ++s) codes.set(static_cast<std::size_t>(s));
}

StatusSet StatusSet::serverErrors() {
  StatusSet s;
  s.addClass(5);
  return s;
}

std::string_view toString(BreakerMode mode) {
  switch (mode) {
    case BreakerMode::kConsecutive: return "consecutive";
    case BreakerMode::kFailureRate: return "failure_rate";
    case BreakerMode::kHystrix: return "hystrix";
  }
  return "unknown";
}

const ServiceConfig* Config::findService(std::string_view name) const {
  for (const auto& s : services) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const ConsumerConfig* Config::findConsumer(std::string_view id) const {
  for (const auto& c : consumers) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

}  // namespace gateway
