#include "tools/gwload/threshold.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace gwload {

namespace {

constexpr MetricInfo kThresholdMetrics[] = {
    {"p50_ms", "corrected latency (from the intended send time), 50th percentile, ms"},
    {"p90_ms", "corrected latency, 90th percentile, ms"},
    {"p99_ms", "corrected latency, 99th percentile, ms"},
    {"p99_9_ms", "corrected latency, 99.9th percentile, ms"},
    {"p99_99_ms", "corrected latency, 99.99th percentile, ms"},
    {"max_ms", "corrected latency, maximum, ms"},
    {"mean_ms", "corrected latency, mean, ms"},
    {"uncorrected_p50_ms", "latency from the actual send, 50th percentile, ms"},
    {"uncorrected_p90_ms", "latency from the actual send, 90th percentile, ms"},
    {"uncorrected_p99_ms", "latency from the actual send, 99th percentile, ms"},
    {"uncorrected_p99_9_ms", "latency from the actual send, 99.9th percentile, ms"},
    {"uncorrected_p99_99_ms", "latency from the actual send, 99.99th percentile, ms"},
    {"uncorrected_max_ms", "latency from the actual send, maximum, ms"},
    {"uncorrected_mean_ms", "latency from the actual send, mean, ms"},
    {"rate", "achieved rate: requests that went on the wire per second"},
    {"dispatch_rate", "requests gwload dispatched per second (its own pace)"},
    {"intended_rate", "the rate asked for, requests per second"},
    {"throughput", "completed requests per second"},
    {"count", "requests measured (sent after the warm-up)"},
    {"responses", "requests that got an HTTP response"},
    {"errors", "requests that got no response (connect, reset, timeout, protocol)"},
    {"error_rate", "errors / requests measured, 0 to 1"},
    {"connect_errors", "requests that could not connect"},
    {"resets", "requests whose connection was reset"},
    {"timeouts", "requests that timed out"},
    {"protocol_errors", "requests answered with broken HTTP"},
    {"status_2xx", "responses with a 2xx status"},
    {"status_3xx", "responses with a 3xx status"},
    {"status_4xx", "responses with a 4xx status"},
    {"status_5xx", "responses with a 5xx status"},
    {"send_lag_p99_ms", "actual minus intended send time, 99th percentile, ms"},
    {"send_lag_max_ms", "actual minus intended send time, maximum, ms"},
    {"connections", "connections opened"},
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool metricChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// A decimal number, all of `text`: digits, one optional point, an optional exponent.
bool parseNumber(std::string_view text, double& out) {
  if (text.empty() || text.size() > 64) return false;
  std::size_t i = 0;
  if (text[i] == '+' || text[i] == '-') ++i;
  bool digits = false, point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digits = true;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!digits) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    bool expDigits = false;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      expDigits = true;
      ++i;
    }
    if (!expDigits) return false;
  }
  if (i != text.size()) return false;
  const std::string copy(text);
  out = std::strtod(copy.c_str(), nullptr);
  return std::isfinite(out);
}

std::string metricList() {
  std::string out;
  for (const auto& m : kThresholdMetrics) out += (out.empty() ? "" : ", ") + std::string(m.name);
  return out;
}

}  // namespace

std::string_view toString(Op op) {
  switch (op) {
    case Op::kLess: return "<";
    case Op::kLessEqual: return "<=";
    case Op::kGreater: return ">";
    case Op::kGreaterEqual: return ">=";
    case Op::kEqual: return "==";
  }
  return "?";
}

bool Threshold::holds(double actual) const {
  switch (op) {
    case Op::kLess: return actual < value;
    case Op::kLessEqual: return actual <= value;
    case Op::kGreater: return actual > value;
    case Op::kGreaterEqual: return actual >= value;
    case Op::kEqual: return actual == value;
  }
  return false;
}

std::span<const MetricInfo> knownMetrics() { return kThresholdMetrics; }

bool isKnownMetric(std::string_view name) {
  for (const auto& m : kThresholdMetrics) {
    if (m.name == name) return true;
  }
  return false;
}

std::optional<Threshold> parseThreshold(std::string_view text, std::string& error) {
  const std::string_view expr = trim(text);
  const std::string quoted = "\"" + std::string(expr) + "\"";
  if (expr.empty()) {
    error = "empty expression: expected METRIC OP NUMBER, e.g. 'p99_ms < 50'";
    return std::nullopt;
  }
  std::size_t i = 0;
  while (i < expr.size() && metricChar(expr[i])) ++i;
  const std::string_view metric = expr.substr(0, i);
  if (metric.empty()) {
    error = "expression " + quoted + " does not start with a metric name (e.g. 'p99_ms < 50')";
    return std::nullopt;
  }
  if (!isKnownMetric(metric)) {
    error = "unknown metric \"" + std::string(metric) + "\" in " + quoted + " (known: " + metricList() + ")";
    return std::nullopt;
  }
  std::string_view rest = trim(expr.substr(i));
  Threshold t;
  t.expression = std::string(expr);
  t.metric = std::string(metric);
  if (rest.starts_with("<=")) {
    t.op = Op::kLessEqual;
  } else if (rest.starts_with(">=")) {
    t.op = Op::kGreaterEqual;
  } else if (rest.starts_with("==")) {
    t.op = Op::kEqual;
  } else if (rest.starts_with("<")) {
    t.op = Op::kLess;
  } else if (rest.starts_with(">")) {
    t.op = Op::kGreater;
  } else {
    const std::string got = rest.empty() ? "nothing" : "\"" + std::string(rest.substr(0, 8)) + "\"";
    error = "expected an operator (<, <=, >, >=, ==) after \"" + std::string(metric) + "\" in " + quoted + ", got " + got;
    return std::nullopt;
  }
  rest = trim(rest.substr(toString(t.op).size()));
  if (rest.empty()) {
    error = "expected a number after \"" + std::string(toString(t.op)) + "\" in " + quoted;
    return std::nullopt;
  }
  if (!parseNumber(rest, t.value)) {
    error = "\"" + std::string(rest) + "\" in " + quoted + " is not a number (e.g. 50, 0.5, 1e3)";
    return std::nullopt;
  }
  return t;
}

}  // namespace gwload
