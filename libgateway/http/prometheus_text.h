// Prometheus text exposition format 0.0.4, as plain string building: label escaping, family
// headers, samples. Shared by the core's policy report and net/'s MetricsRegistry so every
// metric the gateway renders is written one way. Pure functions, no state.
#pragma once

#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace gateway {

// Prometheus label value escaping: backslash, double quote and newline.
void appendLabelValue(std::string& out, std::string_view value);
// `k1="v1",k2="v2"` with the values escaped (names are the caller's constants).
std::string prometheusLabels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs);
// A family header: # HELP and # TYPE (counter, gauge, histogram).
void appendFamilyHeader(std::string& out, std::string_view name, std::string_view help, std::string_view type);
// One gauge family with a single unlabelled sample, HELP and TYPE included.
void appendGauge(std::string& out, std::string_view name, std::string_view help, double value);

// One sample line: `name{labels} value`, or `name value` when `labels` is empty. `labels` is
// already escaped (prometheusLabels). Integers print exactly; doubles in fmt's shortest form.
template <typename T>
void appendSample(std::string& out, std::string_view name, std::string_view labels, T value) {
  if (labels.empty()) {
    fmt::format_to(std::back_inserter(out), "{} {}\n", name, value);
  } else {
    fmt::format_to(std::back_inserter(out), "{}{{{}}} {}\n", name, labels, value);
  }
}

}  // namespace gateway
