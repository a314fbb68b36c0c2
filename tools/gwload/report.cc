#include "tools/gwload/report.h"

#include <algorithm>

#include <fmt/format.h>

namespace gwload {

namespace {

double toMs(std::int64_t us) { return static_cast<double>(us) / 1000.0; }

constexpr std::pair<const char*, double> kReportQuantiles[] = {
    {"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p99_9", 0.999}, {"p99_99", 0.9999}};

std::optional<double> latencyMetric(const gateway::LatencyHistogram& h, std::string_view name) {
  if (name == "max_ms") return toMs(h.max());
  if (name == "mean_ms") return h.mean() / 1000.0;
  for (const auto& [key, q] : kReportQuantiles) {
    if (name == std::string(key) + "_ms") return toMs(h.quantile(q));
  }
  return std::nullopt;
}

nlohmann::json latencyJson(const gateway::LatencyHistogram& h) {
  nlohmann::json j = nlohmann::json::object();
  j["count"] = h.count();
  for (const auto& [key, q] : kReportQuantiles) j[key] = toMs(h.quantile(q));
  j["max"] = toMs(h.max());
  j["mean"] = h.mean() / 1000.0;
  return j;
}

std::string latencyRow(std::string_view label, const gateway::LatencyHistogram& h) {
  std::string row = fmt::format("  {:<12}", label);
  for (const auto& entry : kReportQuantiles) row += fmt::format("{:>10.3f}", toMs(h.quantile(entry.second)));
  row += fmt::format("{:>10.3f}{:>10.3f}\n", toMs(h.max()), h.mean() / 1000.0);
  return row;
}

std::string settingsLine(const RateSettings& s) {
  return fmt::format("gwload rate {} {}: {:g}/s {} for {:g} s (warm-up {:g} s, seed {}), {} thread{}, up to {} "
                     "connection{} per thread, timeout {:g} ms\n",
                     s.method, s.url, s.rate, toString(s.arrival), s.durationS, s.warmupS, s.seed, s.threads,
                     s.threads == 1 ? "" : "s", s.connectionsMax, s.connectionsMax == 1 ? "" : "s", s.timeoutMs);
}

}  // namespace

namespace {

// `count` over the measured part, stretched when the last one came after its end (on
// schedule, the last one is one mean gap before the end).
double ratePerSecond(const Report& r, std::uint64_t count, gateway::TimePoint last) {
  if (count == 0) return 0;
  const double gap = r.settings.rate > 0 ? 1.0 / r.settings.rate : 0;
  const double span = std::max(r.settings.durationS, toMs(last - r.measureStart) / 1000.0 + gap);
  return span > 0 ? static_cast<double>(count) / span : 0;
}

}  // namespace

double Report::achievedRate() const { return ratePerSecond(*this, result.sent, result.lastSent); }

double Report::dispatchRate() const { return ratePerSecond(*this, result.measured, result.lastDispatched); }

double Report::throughput() const {
  if (result.measured == 0) return 0;
  const double span = std::max(settings.durationS, toMs(result.lastCompleted - measureStart) / 1000.0);
  return span > 0 ? static_cast<double>(result.measured) / span : 0;
}

double Report::scheduledRate() const {
  return settings.durationS > 0 ? static_cast<double>(result.measured) / settings.durationS : 0;
}

bool Report::fellBehind() const { return result.measured > 0 && dispatchRate() < 0.99 * scheduledRate(); }

std::string Report::behindMessage() const {
  return fmt::format("fell behind: achieved {:.1f}/s of {:.{}f}/s, send lag p99 {:.3f} ms", dispatchRate(),
                     scheduledRate(), settings.arrival == Arrival::kConstant ? 0 : 1, toMs(result.sendLag.quantile(0.99)));
}

bool Report::targetBehind() const {
  // Nothing on the wire at all is a connection failure (exit status 3), not a slow target.
  return result.sent > 0 && !fellBehind() && achievedRate() < 0.99 * scheduledRate();
}

std::string Report::targetMessage() const {
  return fmt::format("the target fell behind: {:.1f}/s of {:.{}f}/s went on the wire, the rest waited for one of {} "
                     "connection{} per thread (corrected p99 {:.3f} ms; answers too slow for the rate, or too few "
                     "connections)",
                     achievedRate(), scheduledRate(), settings.arrival == Arrival::kConstant ? 0 : 1,
                     settings.connectionsMax, settings.connectionsMax == 1 ? "" : "s", toMs(result.corrected.quantile(0.99)));
}

std::optional<double> Report::metric(std::string_view name) const {
  const LoadResult& r = result;
  if (name.starts_with("uncorrected_")) return latencyMetric(r.uncorrected, name.substr(12));
  if (auto v = latencyMetric(r.corrected, name)) return v;
  if (name == "rate") return achievedRate();
  if (name == "dispatch_rate") return dispatchRate();
  if (name == "intended_rate") return settings.rate;
  if (name == "throughput") return throughput();
  if (name == "count") return static_cast<double>(r.measured);
  if (name == "responses") return static_cast<double>(r.responses);
  if (name == "errors") return static_cast<double>(r.errorCount());
  if (name == "error_rate") {
    return r.measured ? static_cast<double>(r.errorCount()) / static_cast<double>(r.measured) : 0.0;
  }
  if (name == "connect_errors") return static_cast<double>(r.errors[static_cast<std::size_t>(ErrorKind::kConnect)]);
  if (name == "resets") return static_cast<double>(r.errors[static_cast<std::size_t>(ErrorKind::kReset)]);
  if (name == "timeouts") return static_cast<double>(r.errors[static_cast<std::size_t>(ErrorKind::kTimeout)]);
  if (name == "protocol_errors") return static_cast<double>(r.errors[static_cast<std::size_t>(ErrorKind::kProtocol)]);
  if (name.size() == 10 && name.starts_with("status_") && name.ends_with("xx") && name[7] >= '1' && name[7] <= '5') {
    return static_cast<double>(r.statusClass(name[7] - '0'));
  }
  if (name == "send_lag_p99_ms") return toMs(r.sendLag.quantile(0.99));
  if (name == "send_lag_max_ms") return toMs(r.sendLag.max());
  if (name == "connections") return static_cast<double>(r.connectionsOpened);
  return std::nullopt;
}

std::vector<Verdict> evaluate(const Report& report, const std::vector<Threshold>& thresholds) {
  std::vector<Verdict> out;
  for (const auto& t : thresholds) {
    Verdict v{t, report.metric(t.metric).value_or(0), false};
    v.passed = t.holds(v.actual);
    out.push_back(std::move(v));
  }
  return out;
}

std::string formatText(const Report& report, const std::vector<Verdict>& verdicts) {
  const LoadResult& r = report.result;
  std::string out = settingsLine(report.settings);
  out += fmt::format("requests    {} measured, {} responses, {} errors; {} connection{} opened; {} body bytes\n",
                     r.measured, r.responses, r.errorCount(), r.connectionsOpened, r.connectionsOpened == 1 ? "" : "s",
                     r.bytesReceived);
  out += fmt::format("rate        intended {:g}/s", report.settings.rate);
  if (report.settings.arrival != Arrival::kConstant) out += fmt::format(" (scheduled {:.1f}/s)", report.scheduledRate());
  out += fmt::format(", dispatched {:.1f}/s, on the wire {:.1f}/s, completed {:.1f}/s\n", report.dispatchRate(),
                     report.achievedRate(), report.throughput());
  out += fmt::format("send lag    p99 {:.3f} ms, max {:.3f} ms (dispatch minus intended time)\n",
                     toMs(r.sendLag.quantile(0.99)), toMs(r.sendLag.max()));
  if (report.fellBehind()) out += "WARNING     " + report.behindMessage() + "\n";
  if (report.targetBehind()) out += "WARNING     " + report.targetMessage() + "\n";
  out += fmt::format("latency ms  {:>10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}\n", "p50", "p90", "p99", "p99.9", "p99.99",
                     "max", "mean");
  out += latencyRow("corrected", r.corrected);
  out += latencyRow("uncorrected", r.uncorrected);
  std::string statuses;
  for (std::size_t s = 0; s < r.statuses.size(); ++s) {
    if (r.statuses[s] == 0) continue;
    statuses += fmt::format("{}{}: {}", statuses.empty() ? "" : ", ", s == 0 ? std::string("other") : std::to_string(s),
                            r.statuses[s]);
  }
  out += "status      " + (statuses.empty() ? std::string("none") : statuses) + "\n";
  out += "errors      ";
  for (std::size_t k = 0; k < kErrorKinds; ++k) {
    out += fmt::format("{}{} {}", k ? ", " : "", toString(static_cast<ErrorKind>(k)), r.errors[k]);
  }
  out += "\n";
  for (std::size_t k = 0; k < kErrorKinds; ++k) {
    if (r.errors[k]) out += fmt::format("  first {}: {}\n", toString(static_cast<ErrorKind>(k)), r.firstError[k]);
  }
  for (const auto& v : verdicts) {
    out += fmt::format("expect      {}: {} (actual {:g})\n", v.threshold.expression, v.passed ? "ok" : "FAILED", v.actual);
  }
  return out;
}

nlohmann::json toJson(const Report& report, const std::vector<Verdict>& verdicts) {
  const RateSettings& s = report.settings;
  const LoadResult& r = report.result;
  nlohmann::json j;
  j["url"] = s.url;
  j["method"] = s.method;
  j["arrival"] = std::string(toString(s.arrival));
  j["seed"] = s.seed;
  j["duration_s"] = s.durationS;
  j["warmup_s"] = s.warmupS;
  j["threads"] = s.threads;
  j["connections_max"] = s.connectionsMax;
  j["timeout_ms"] = s.timeoutMs;
  j["intended_rate"] = s.rate;
  j["scheduled_rate"] = report.scheduledRate();
  j["achieved_rate"] = report.achievedRate();
  j["throughput"] = report.throughput();
  j["fell_behind"] = report.fellBehind();
  if (report.fellBehind()) j["behind_message"] = report.behindMessage();
  j["dispatch_rate"] = report.dispatchRate();
  j["target_behind"] = report.targetBehind();
  if (report.targetBehind()) j["target_message"] = report.targetMessage();
  j["requests"] = {{"measured", r.measured}, {"sent", r.sent}, {"responses", r.responses}, {"errors", r.errorCount()}};
  j["bytes_received"] = r.bytesReceived;
  j["connections_opened"] = r.connectionsOpened;
  j["latency_ms"] = {{"corrected", latencyJson(r.corrected)}, {"uncorrected", latencyJson(r.uncorrected)}};
  j["send_lag_ms"] = {{"p99", toMs(r.sendLag.quantile(0.99))}, {"max", toMs(r.sendLag.max())}};
  nlohmann::json statuses = nlohmann::json::object();
  for (std::size_t code = 0; code < r.statuses.size(); ++code) {
    if (r.statuses[code]) statuses[code == 0 ? std::string("other") : std::to_string(code)] = r.statuses[code];
  }
  j["status"] = statuses;
  nlohmann::json errors = nlohmann::json::object();
  for (std::size_t k = 0; k < kErrorKinds; ++k) errors[std::string(toString(static_cast<ErrorKind>(k)))] = r.errors[k];
  j["errors"] = errors;
  nlohmann::json firsts = nlohmann::json::object();
  for (std::size_t k = 0; k < kErrorKinds; ++k) {
    if (r.errors[k]) firsts[std::string(toString(static_cast<ErrorKind>(k)))] = r.firstError[k];
  }
  j["first_errors"] = firsts;
  nlohmann::json thresholds = nlohmann::json::array();
  bool passed = true;
  for (const auto& v : verdicts) {
    thresholds.push_back({{"expression", v.threshold.expression}, {"metric", v.threshold.metric},
                          {"op", std::string(toString(v.threshold.op))}, {"value", v.threshold.value},
                          {"actual", v.actual}, {"passed", v.passed}});
    passed = passed && v.passed;
  }
  j["thresholds"] = thresholds;
  j["thresholds_passed"] = passed;
  return j;
}

}  // namespace gwload
