#include "sim/limiter/limiter_comparison.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace gwsim {

std::optional<ReportFormat> parseReportFormat(std::string_view name) {
  if (name == "table") return ReportFormat::kTable;
  if (name == "csv") return ReportFormat::kCsv;
  if (name == "json") return ReportFormat::kJson;
  return std::nullopt;
}

ReplaySummary replayTrace(const Trace& trace, const ReplayOptions& options, std::ostream* decisions) {
  LimiterReplay replay(options);
  for (const TraceRequest& r : trace.requests) {
    const gateway::LimitDecision d = replay.submit(r);
    if (decisions) *decisions << formatDecisionLine(r, d) << '\n';
  }
  return replay.summary();
}

std::vector<ReplaySummary> compareLimiters(const Trace& trace, const std::vector<ReplayOptions>& options) {
  std::vector<ReplaySummary> summaries;
  for (const ReplayOptions& o : options) summaries.push_back(replayTrace(trace, o));
  return summaries;
}

namespace {

std::string windowLabel(gateway::Duration window) {
  if (window % gateway::kMillisecond == 0) return fmt::format("{}ms", window / gateway::kMillisecond);
  return fmt::format("{}us", window);
}

std::string table(const std::vector<ReplaySummary>& summaries) {
  const std::string maxHeader = "max/" + (summaries.empty() ? std::string("window") : windowLabel(summaries[0].window));
  std::string out = fmt::format("{:<16} {:>9} {:>9} {:>12} {:>9} {:>9} {:>13} {:>12} {:>9}\n", "algorithm", "admitted",
                                "denied", maxHeader, "limit", "overshoot", "mean_delay_ms", "max_delay_ms", "bytes/key");
  for (const ReplaySummary& s : summaries) {
    out += fmt::format("{:<16} {:>9} {:>9} {:>12} {:>9} {:>8.2f}x {:>13.3f} {:>12.3f} {:>9}\n", s.algorithm, s.admitted,
                       s.denied, s.maxInWindow, s.referenceLimit, s.overshoot, s.meanDelay / 1000.0,
                       static_cast<double>(s.maxDelay) / 1000.0, s.bytesPerKey);
  }
  return out;
}

std::string csv(const std::vector<ReplaySummary>& summaries) {
  std::string out =
      "algorithm,requests,admitted,denied,window_us,max_in_window,max_in_window_key,limit,overshoot,"
      "mean_delay_us,max_delay_us,bytes_per_key,keys\n";
  for (const ReplaySummary& s : summaries) {
    out += fmt::format("{},{},{},{},{},{},{},{},{:.4f},{:.1f},{},{},{}\n", s.algorithm, s.requests, s.admitted, s.denied,
                       s.window, s.maxInWindow, s.maxInWindowKey, s.referenceLimit, s.overshoot, s.meanDelay,
                       s.maxDelay, s.bytesPerKey, s.keys);
  }
  return out;
}

std::string summariesJson(const std::vector<ReplaySummary>& summaries) {
  nlohmann::json rows = nlohmann::json::array();
  for (const ReplaySummary& s : summaries) {
    rows.push_back({{"algorithm", s.algorithm},
                    {"requests", s.requests},
                    {"admitted", s.admitted},
                    {"denied", s.denied},
                    {"window_us", s.window},
                    {"max_in_window", s.maxInWindow},
                    {"max_in_window_key", s.maxInWindowKey},
                    {"limit", s.referenceLimit},
                    {"overshoot", s.overshoot},
                    {"mean_delay_us", s.meanDelay},
                    {"max_delay_us", s.maxDelay},
                    {"bytes_per_key", s.bytesPerKey},
                    {"keys", s.keys}});
  }
  return rows.dump(2) + "\n";
}

}  // namespace

std::string formatSummaries(const std::vector<ReplaySummary>& summaries, ReportFormat format) {
  switch (format) {
    case ReportFormat::kTable: return table(summaries);
    case ReportFormat::kCsv: return csv(summaries);
    case ReportFormat::kJson: return summariesJson(summaries);
  }
  return "";
}

}  // namespace gwsim
