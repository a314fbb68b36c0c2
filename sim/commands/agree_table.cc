#include "sim/commands/agree_table.h"

#include <cmath>
#include <set>

#include <fmt/format.h>

namespace gwsim {

namespace {

constexpr double kAgreeSlack = 1e-9;  // a difference equal to its tolerance is within it

std::optional<double> agreeToleranceOf(const AgreeTolerances& t, const std::string& key) {
  auto it = t.find(key);
  return it == t.end() ? std::nullopt : std::optional<double>(it->second);
}

std::optional<double> relativeDiff(double sim, double real) {
  if (sim == real) return 0.0;
  if (sim == 0) return std::nullopt;
  return (real - sim) / sim;
}

void judgeAgreeCell(AgreeCell& c, bool small, double floor = 0) {
  if (!c.tolerance || !c.sim || !c.real) return;
  if (small) {
    c.verdict = AgreeCell::Verdict::kSmall;
    return;
  }
  const bool within = (c.diff && std::fabs(*c.diff) <= *c.tolerance + kAgreeSlack) ||
                      std::fabs(*c.real - *c.sim) <= floor + kAgreeSlack;
  c.verdict = within ? AgreeCell::Verdict::kWithin : AgreeCell::Verdict::kBeyond;
}

std::uint64_t agreeCountOf(const AgreeStats& s, const std::string& metric) {
  if (metric == "requests") return s.requests;
  if (metric == "2xx") return s.s2xx;
  if (metric == "3xx") return s.s3xx;
  if (metric == "4xx") return s.s4xx;
  if (metric == "429") return s.s429;
  if (metric == "5xx") return s.s5xx;
  if (metric.rfind("errors:", 0) == 0) {
    auto it = s.errors.find(metric.substr(7));
    return it == s.errors.end() ? 0 : it->second;
  }
  return 0;
}

double agreeLatencyOf(const AgreeStats& s, const std::string& metric) {
  return metric == "p50" ? s.p50Ms : metric == "p90" ? s.p90Ms : s.p99Ms;
}

AgreeRow compareAgreeRow(const std::string& kind, const std::string& name, const AgreeStats* sim,
                         const AgreeStats* real, const std::set<std::string>& errorKinds,
                         const AgreeTolerances& tolerances, std::uint64_t minCount, double minMs) {
  AgreeRow row{kind, name, sim && real ? "" : sim ? "sim" : "real", {}};
  const AgreeStats none;
  std::vector<std::string> counts = agreeCountMetrics();
  for (const auto& k : errorKinds) counts.push_back("errors:" + k);
  for (const auto& metric : counts) {
    AgreeCell c;
    c.metric = metric;
    const auto s = static_cast<double>(agreeCountOf(sim ? *sim : none, metric));
    const auto r = static_cast<double>(agreeCountOf(real ? *real : none, metric));
    c.sim = s;  // a row missing in one world counts zero there
    c.real = r;
    c.diff = relativeDiff(s, r);
    c.tolerance = agreeToleranceOf(tolerances, metric.rfind("errors:", 0) == 0 ? "errors" : metric);
    const auto min = static_cast<double>(minCount);
    judgeAgreeCell(c, s < min && r < min);
    row.cells.push_back(std::move(c));
  }
  const bool fewRequests = !sim || !real || sim->requests < minCount || real->requests < minCount;
  for (const auto& metric : agreeLatencyMetrics()) {
    AgreeCell c;
    c.metric = metric;
    c.latency = true;
    if (sim) c.sim = agreeLatencyOf(*sim, metric);
    if (real) c.real = agreeLatencyOf(*real, metric);
    if (sim && real) c.diff = relativeDiff(*c.sim, *c.real);
    c.tolerance = agreeToleranceOf(tolerances, metric);
    judgeAgreeCell(c, fewRequests, minMs);
    row.cells.push_back(std::move(c));
  }
  return row;
}

void addAgreeRows(AgreeReport& report, const std::string& kind, const std::map<std::string, AgreeStats>& sim,
                  const std::map<std::string, AgreeStats>& real, const std::set<std::string>& errorKinds,
                  const AgreeTolerances& tolerances, std::uint64_t minCount, double minMs) {
  std::set<std::string> names;
  for (const auto& [n, _] : sim) names.insert(n);
  for (const auto& [n, _] : real) names.insert(n);
  for (const auto& n : names) {
    auto s = sim.find(n);
    auto r = real.find(n);
    report.rows.push_back(compareAgreeRow(kind, n, s == sim.end() ? nullptr : &s->second,
                                          r == real.end() ? nullptr : &r->second, errorKinds, tolerances, minCount,
                                          minMs));
    const AgreeRow& row = report.rows.back();
    if (!row.onlyIn.empty()) {
      report.notes.push_back(fmt::format("{} {}: only in the {} result (the other world's counts taken as 0)", kind, n,
                                         row.onlyIn == "sim" ? "simulated" : "real"));
    }
  }
}

void collectAgreeKinds(const AgreeResult& r, std::set<std::string>& into) {
  for (const auto& [k, _] : r.total.errors) into.insert(k);
  for (const auto& [_, s] : r.routes) for (const auto& [k, n] : s.errors) into.insert(k);
  for (const auto& [_, s] : r.groups) for (const auto& [k, n] : s.errors) into.insert(k);
}

std::string agreeRowTitle(const AgreeRow& row) { return row.kind == "total" ? "total" : row.kind + " " + row.name; }

std::string agreeMetricLabel(const AgreeCell& c) {
  if (c.latency) return c.metric + " ms";
  if (c.metric.rfind("errors:", 0) == 0) return "error " + c.metric.substr(7);
  return c.metric;
}

std::string agreeValue(const AgreeCell& c, const std::optional<double>& v) {
  if (!v) return "-";
  return c.latency ? fmt::format("{:.2f}", *v) : fmt::format("{:.0f}", *v);
}

const char* agreeVerdictName(AgreeCell::Verdict v) {
  switch (v) {
    case AgreeCell::Verdict::kSmall: return "small";
    case AgreeCell::Verdict::kWithin: return "ok";
    case AgreeCell::Verdict::kBeyond: return "BEYOND";
    case AgreeCell::Verdict::kShown: break;
  }
  return "";
}

const char* agreeVerdictJson(AgreeCell::Verdict v) {
  switch (v) {
    case AgreeCell::Verdict::kSmall: return "small";
    case AgreeCell::Verdict::kWithin: return "within";
    case AgreeCell::Verdict::kBeyond: return "beyond";
    case AgreeCell::Verdict::kShown: break;
  }
  return "not judged";
}

std::string agreeSourceLine(const std::string& what, const std::string& source, const std::optional<double>& seconds) {
  return fmt::format("  {:<5} {}{}\n", what, source, seconds ? fmt::format(", {:.1f} s", *seconds) : std::string());
}

}  // namespace

std::string formatAgreeDiff(const AgreeCell& cell) {
  if (!cell.sim || !cell.real) return "-";
  if (!cell.diff) return "new";
  if (*cell.diff == 0) return "0.0%";
  return fmt::format("{:+.1f}%", *cell.diff * 100.0);
}

AgreeReport compareAgreeResults(const AgreeResult& sim, const AgreeResult& real, const AgreeTolerances& tolerances,
                                std::uint64_t minCount, double minMs) {
  AgreeReport report;
  report.minCount = minCount;
  report.minMs = minMs;
  std::set<std::string> kinds;
  collectAgreeKinds(sim, kinds);
  collectAgreeKinds(real, kinds);
  if (sim.hasErrorKinds != real.hasErrorKinds) {
    report.notes.push_back(fmt::format("error kinds: only the {} result has them (the other's taken as 0)",
                                       sim.hasErrorKinds ? "simulated" : "real"));
  }
  addAgreeRows(report, "route", sim.routes, real.routes, kinds, tolerances, minCount, minMs);
  report.rows.push_back(compareAgreeRow("total", "", &sim.total, &real.total, kinds, tolerances, minCount, minMs));
  if (sim.hasGroups && real.hasGroups) {
    addAgreeRows(report, "group", sim.groups, real.groups, kinds, tolerances, minCount, minMs);
  } else if (sim.hasGroups != real.hasGroups) {
    report.notes.push_back(fmt::format("client groups: only the {} result has them; not compared",
                                       sim.hasGroups ? "simulated" : "real"));
  }
  for (const auto& row : report.rows) {
    for (const auto& c : row.cells) {
      if (c.verdict == AgreeCell::Verdict::kWithin || c.verdict == AgreeCell::Verdict::kBeyond) ++report.judged;
      if (c.verdict == AgreeCell::Verdict::kBeyond) ++report.beyond;
      if (c.verdict == AgreeCell::Verdict::kSmall) ++report.small;
    }
  }
  return report;
}

std::vector<std::string> AgreeReport::failures() const {
  std::vector<std::string> out;
  for (const auto& row : rows) {
    for (const auto& c : row.cells) {
      if (c.verdict != AgreeCell::Verdict::kBeyond) continue;
      const std::string diff = c.diff ? fmt::format("{:+.1f}%", *c.diff * 100.0) : std::string("none simulated");
      const std::string tol = formatPercent(c.tolerance.value_or(0));
      if (c.latency) {
        out.push_back(fmt::format("{}: {} sim {:.2f} ms real {:.2f} ms ({} > {})", agreeRowTitle(row), c.metric,
                                  c.sim.value_or(0), c.real.value_or(0), diff, tol));
      } else {
        out.push_back(fmt::format("{}: {} count sim {:.0f} real {:.0f} ({} > {})", agreeRowTitle(row),
                                  agreeMetricLabel(c), c.sim.value_or(0), c.real.value_or(0), diff, tol));
      }
    }
  }
  return out;
}

std::string formatAgreeTable(const AgreeReport& report, const AgreeSources& sources) {
  std::string out = fmt::format("gwsim agree: scenario {}\n", sources.scenario);
  out += agreeSourceLine("sim:", sources.sim, sources.simSeconds);
  out += agreeSourceLine("real:", sources.real, sources.realSeconds);
  out += fmt::format("{:<24} {:>12} {:>12} {:>9} {:>10}  {}\n", "", "sim", "real", "diff", "tolerance", "verdict");
  bool groupsTitled = false;
  for (const auto& row : report.rows) {
    if (row.kind == "group" && !groupsTitled) {
      out += "client groups (as clients saw it, retries included):\n";
      groupsTitled = true;
    }
    out += agreeRowTitle(row);
    if (!row.onlyIn.empty()) out += fmt::format(" (only in the {} result)", row.onlyIn == "sim" ? "simulated" : "real");
    out += "\n";
    for (const auto& c : row.cells) {
      std::string line = fmt::format("  {:<22} {:>12} {:>12} {:>9} {:>10}  {}", agreeMetricLabel(c), agreeValue(c, c.sim),
                                     agreeValue(c, c.real), formatAgreeDiff(c),
                                     c.tolerance ? formatPercent(*c.tolerance) : "", agreeVerdictName(c.verdict));
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
  }
  out += fmt::format(
      "diff = (real - sim) / sim; 4xx counts the 4xx answers other than 429.\n"
      "small: a count under {0} in both worlds, or a percentile of a row with under {0} requests in\n"
      "either, is shown but not judged (--min-count): its relative noise is large.\n"
      "Percentiles within {1} ms of each other are within any tolerance (--min-ms).\n",
      report.minCount, report.minMs);
  for (const auto& n : report.notes) out += "note: " + n + "\n";
  if (report.agrees()) {
    out += fmt::format("agree: {} judged cells, all within tolerance ({} small ones not judged)\n", report.judged,
                       report.small);
  } else {
    out += fmt::format("DISAGREE: {} of {} judged cells beyond tolerance:\n", report.beyond, report.judged);
    for (const auto& f : report.failures()) out += "  " + f + "\n";
  }
  return out;
}

nlohmann::json agreeReportJson(const AgreeReport& report, const AgreeSources& sources) {
  const auto optional = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : report.rows) {
    nlohmann::json cells = nlohmann::json::array();
    for (const auto& c : row.cells) {
      cells.push_back({{"metric", c.metric},
                       {"unit", c.latency ? "ms" : "count"},
                       {"sim", optional(c.sim)},
                       {"real", optional(c.real)},
                       {"diff", optional(c.diff)},
                       {"tolerance", optional(c.tolerance)},
                       {"verdict", agreeVerdictJson(c.verdict)}});
    }
    rows.push_back({{"kind", row.kind},
                    {"name", row.kind == "total" ? nlohmann::json(nullptr) : nlohmann::json(row.name)},
                    {"only_in", row.onlyIn.empty() ? nlohmann::json(nullptr) : nlohmann::json(row.onlyIn)},
                    {"cells", cells}});
  }
  return {{"scenario", sources.scenario},
          {"sim", {{"source", sources.sim}, {"seconds", optional(sources.simSeconds)}}},
          {"real", {{"source", sources.real}, {"seconds", optional(sources.realSeconds)}}},
          {"min_count", report.minCount},
          {"min_ms", report.minMs},
          {"rows", rows},
          {"notes", report.notes},
          {"judged", report.judged},
          {"beyond", report.beyond},
          {"small", report.small},
          {"agree", report.agrees()},
          {"failures", report.failures()}};
}

}  // namespace gwsim
