// Exact division by a divisor fixed at construction (a limiter's rate in sub-units per
// microsecond): a 64x64->128-bit multiply and a shift instead of a hardware divide, for the
// ceilDiv(n, rateMilli) that token_bucket, gcra and leaky_bucket compute on every decision.
// Results are identical to n / d and ceilDiv(n, d) for every n: the few numerators outside
// the multiply's range (negative ones, ones within d of INT64_MAX, any n when d == 1) take the
// plain division. Immutable value; thread-safe to share.
#pragma once

#include <cstdint>

#include "libgateway/ratelimit/limit_decision.h"

namespace gateway {

class InvariantDivisor {
 public:
  // d >= 1.
  explicit constexpr InvariantDivisor(std::int64_t d) : d_(d) {
    // Granlund and Montgomery (PLDI 1994), theorem 4.2 with N = 63: for d <= 2^l and
    // m = ceil(2^(63+l) / d), 2^(63+l) <= m*d < 2^(63+l) + 2^l, hence
    // floor(n / d) == floor(m * n / 2^(63+l)) for every 0 <= n < 2^63. m < 2^64 for d >= 2
    // (for d == 1 it would be 2^64: that divisor keeps the plain division).
    if (d <= 1) return;
    int l = 0;
    while ((std::uint64_t{1} << l) < static_cast<std::uint64_t>(d)) ++l;
    const unsigned __int128 p = static_cast<unsigned __int128>(1) << (63 + l);
    const auto wide = static_cast<unsigned __int128>(d);
    magic_ = static_cast<std::uint64_t>((p + wide - 1) / wide);
    shift_ = l - 1;  // m*n / 2^(63+l) = (the high 64 bits of m*n) / 2^(l-1)
    // n + d - 1 must stay below 2^63 for ceil(): the fast path takes 0 <= n <= this.
    fastLimit_ = static_cast<std::uint64_t>(INT64_MAX - (d - 1));
  }

  std::int64_t divisor() const { return d_; }

  // n / d, rounded toward zero like C++ division, for every n.
  std::int64_t quotient(std::int64_t n) const {
    if (static_cast<std::uint64_t>(n) > fastLimit_) [[unlikely]] return n / d_;
    return fast(n);
  }

  // ceilDiv(n, d), for every n.
  std::int64_t ceil(std::int64_t n) const {
    if (static_cast<std::uint64_t>(n) > fastLimit_) [[unlikely]] return ceilDiv(n, d_);
    return fast(n + (d_ - 1));  // ceil(n / d) == floor((n + d - 1) / d) for n >= 0
  }

 private:
  // floor(n / d) for 0 <= n < 2^63 (d >= 2).
  std::int64_t fast(std::int64_t n) const {
    const unsigned __int128 product = static_cast<unsigned __int128>(magic_) * static_cast<std::uint64_t>(n);
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(product >> 64) >> shift_);
  }

  std::int64_t d_;
  std::uint64_t magic_ = 0;
  int shift_ = 0;
  // Largest n that takes the multiply (a negative n, cast, is above it); 0 when d == 1 so
  // that only n == 0 does, which fast() maps to 0.
  std::uint64_t fastLimit_ = 0;
};

}  // namespace gateway
