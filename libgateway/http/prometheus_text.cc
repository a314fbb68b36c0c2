#include "libgateway/http/prometheus_text.h"

namespace gateway {

void appendLabelValue(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

std::string prometheusLabels(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  std::string out;
  for (const auto& [k, v] : pairs) {
    if (!out.empty()) out += ',';
    out += k;
    out += "=\"";
    appendLabelValue(out, v);
    out += '"';
  }
  return out;
}

void appendFamilyHeader(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void appendGauge(std::string& out, std::string_view name, std::string_view help, double value) {
  appendFamilyHeader(out, name, help, "gauge");
  appendSample(out, name, {}, value);
}

}  // namespace gateway
