// A route's retry rules as decisions: which methods may be retried (idempotent ones, RFC 9110
// 9.2.2, unless non_idempotent), which results are retriable (Envoy's retry_on conditions and
// retriable statuses), and the backoff before retry n (full jitter from the caller's seeded
// Random). Attempt counts, deadlines and the budget are the Gateway's. Immutable; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "libgateway/config/config.h"
#include "libgateway/core/env.h"

namespace gateway {

class RetryPolicy {
 public:
  explicit RetryPolicy(const RetryConfig& config) : config_(config) {}

  bool allowsMethod(std::string_view method) const;
  // `status` is read only when `outcome` is kResponse.
  bool retriable(UpstreamOutcome outcome, int status) const;
  // The wait before retry number `retry` (0 for the first): uniform in
  // [0, min(backoff_max, backoff_base * 2^retry)].
  Duration backoff(std::uint32_t retry, Random& random) const;
  const RetryConfig& config() const { return config_; }

 private:
  const RetryConfig& config_;
};

bool idempotentMethod(std::string_view method);

}  // namespace gateway
