// `gwsim limiter gen-trace`: the deterministic request traces of scenarios/traces/. Each
// starts with a `#` comment saying what it shows and how to run it. Pure function of
// (kind, seed); writes to the stream given.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string_view>

namespace gwsim {

enum class TraceKind {
  kBoundary,  // bursts on both sides of window boundaries: fixed_window's 2x
  kSteady,    // one key at exactly 100 requests/s
  kPoisson,   // one key, Poisson arrivals at 150/s against a 100/s limit
  kManyKeys,  // 200 keys, Zipf popularity, 1000/s in total, some costs > 1
};

std::optional<TraceKind> parseTraceKind(std::string_view name);
std::string_view toString(TraceKind kind);

void generateTrace(TraceKind kind, std::uint64_t seed, std::ostream& out);

}  // namespace gwsim
