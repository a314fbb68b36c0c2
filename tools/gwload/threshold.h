// gwload's pass/fail thresholds, like k6's: `--expect 'p99_ms < 50'`, one METRIC OP NUMBER
// each (OP one of < <= > >= ==; spaces optional; NUMBER a decimal, optionally with an
// exponent). The metric names are fixed (knownMetrics()); a bad expression is refused before
// the run with a message that names the bad part. Standard library only (fuzzed on its own).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace gwload {

enum class Op { kLess, kLessEqual, kGreater, kGreaterEqual, kEqual };

std::string_view toString(Op op);

struct Threshold {
  std::string expression;  // as given, trimmed
  std::string metric;
  Op op = Op::kLess;
  double value = 0;

  bool holds(double actual) const;
};

// Every metric a threshold may name, with a short description (for --help and the README).
struct MetricInfo {
  std::string_view name;
  std::string_view meaning;
};
std::span<const MetricInfo> knownMetrics();
bool isKnownMetric(std::string_view name);

// Parses one expression; nullopt with `error` set ("unknown metric \"p98_ms\" in ...").
std::optional<Threshold> parseThreshold(std::string_view text, std::string& error);

}  // namespace gwload
