// Request correlation: the X-Correlation-ID a client sent is kept when it is well-formed,
// otherwise a UUIDv4 is generated from the gateway's seeded Random; and a W3C traceparent
// (https://www.w3.org/TR/trace-context/) child span is made for the upstream call.
// Pure functions; the Random is the caller's (one per Gateway, so per thread).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "libgateway/core/random.h"

namespace gateway {

// Visible ASCII, 1 to 128 characters: anything else is replaced, never forwarded.
bool validCorrelationId(std::string_view id);
std::string newCorrelationId(Random& random);

// A correlation id held inline, so an exchange needs no allocation for it.
class CorrelationId {
 public:
  static constexpr std::size_t kMaxSize = 128;
  // `id` must pass validCorrelationId.
  void assign(std::string_view id);
  // A new UUIDv4 from `random`.
  void generate(Random& random);
  std::string_view view() const { return {data_.data(), size_}; }
  operator std::string_view() const { return view(); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  std::array<char, kMaxSize> data_;
  std::uint8_t size_ = 0;
};

// A version-00 traceparent, held as its 55-character header text.
class TraceParent {
 public:
  static constexpr std::size_t kSize = 55;
  std::string_view traceId() const { return {text_.data() + 3, 32}; }   // 32 lower-case hex digits, not all zero
  std::string_view parentId() const { return {text_.data() + 36, 16}; }  // 16 lower-case hex digits, not all zero
  std::string_view flags() const { return {text_.data() + 53, 2}; }     // 2 hex digits
  std::string_view str() const { return {text_.data(), empty_ ? 0 : kSize}; }  // the header value
  bool empty() const { return empty_; }

 private:
  friend std::optional<TraceParent> parseTraceParent(std::string_view header);
  friend TraceParent childTraceParent(const std::optional<TraceParent>& parent, Random& random);
  std::array<char, kSize> text_;
  bool empty_ = true;
};

std::optional<TraceParent> parseTraceParent(std::string_view header);
// A child of `parent` (same trace id and flags, a new span id), or a new sampled trace.
TraceParent childTraceParent(const std::optional<TraceParent>& parent, Random& random);

}  // namespace gateway
