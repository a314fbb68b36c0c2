#include "sim/commands/agree_input.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace gwsim {

namespace {

constexpr std::int64_t kAgreeMaxCount = std::int64_t{1} << 53;  // exact in a double
constexpr double kAgreeMaxMs = 1e12;

std::uint64_t agreeCount(gateway::JsonReader& r, std::string_view key, bool& ok) {
  const auto v = r.integer(key, 0, kAgreeMaxCount, true);
  if (!v) ok = false;
  return v ? static_cast<std::uint64_t>(*v) : 0;
}

std::optional<AgreeStats> readAgreeStats(const nlohmann::json& value, const std::string& path,
                                         gateway::FieldErrors& errors, bool& hasErrorKinds) {
  gateway::JsonReader r(value, path, errors);
  if (!r.isObject()) return std::nullopt;
  bool ok = true;
  AgreeStats s;
  s.requests = agreeCount(r, "requests", ok);
  s.s2xx = agreeCount(r, "status_2xx", ok);
  s.s3xx = agreeCount(r, "status_3xx", ok);
  const std::uint64_t all4xx = agreeCount(r, "status_4xx", ok);
  s.s5xx = agreeCount(r, "status_5xx", ok);
  if (const nlohmann::json* codes = r.object("status", true)) {
    gateway::JsonReader c(*codes, r.pathOf("status"), errors);
    const auto n = c.integer("429", 0, kAgreeMaxCount);
    if (codes->contains("429") && !n) ok = false;
    s.s429 = n ? static_cast<std::uint64_t>(*n) : 0;
  } else {
    ok = false;
  }
  if (const nlohmann::json* latency = r.object("latency_ms", true)) {
    gateway::JsonReader l(*latency, r.pathOf("latency_ms"), errors);
    const auto p50 = l.number("p50", 0, kAgreeMaxMs, true);
    const auto p90 = l.number("p90", 0, kAgreeMaxMs, true);
    const auto p99 = l.number("p99", 0, kAgreeMaxMs, true);
    if (!p50 || !p90 || !p99) ok = false;
    s.p50Ms = p50.value_or(0);
    s.p90Ms = p90.value_or(0);
    s.p99Ms = p99.value_or(0);
  } else {
    ok = false;
  }
  if (const nlohmann::json* kinds = r.object("errors")) {
    hasErrorKinds = true;
    for (const auto& [kind, n] : kinds->items()) {
      if (!n.is_number_integer() && !n.is_number_unsigned()) {
        errors.add(gateway::childPath(r.pathOf("errors"), kind),
                   fmt::format("expected a count, got {}", gateway::jsonTypeName(n)));
        ok = false;
        continue;
      }
      if (n.is_number_integer() && (n.get<std::int64_t>() < 0 || n.get<std::int64_t>() > kAgreeMaxCount)) {
        errors.add(gateway::childPath(r.pathOf("errors"), kind), fmt::format("must be between 0 and {}", kAgreeMaxCount));
        ok = false;
        continue;
      }
      if (n.is_number_unsigned() && n.get<std::uint64_t>() > static_cast<std::uint64_t>(kAgreeMaxCount)) {
        errors.add(gateway::childPath(r.pathOf("errors"), kind), fmt::format("must be between 0 and {}", kAgreeMaxCount));
        ok = false;
        continue;
      }
      s.errors[kind] = n.get<std::uint64_t>();
    }
  } else if (r.has("errors")) {
    ok = false;
  }
  if (!ok) return std::nullopt;
  if (s.s429 > all4xx) {
    errors.add(gateway::childPath(r.pathOf("status"), "429"),
               fmt::format("{} answers with 429, more than status_4xx ({})", s.s429, all4xx));
    return std::nullopt;
  }
  s.s4xx = all4xx - s.s429;
  const std::uint64_t classes = s.s2xx + s.s3xx + all4xx + s.s5xx;
  if (classes > s.requests) {
    errors.add(r.pathOf("requests"),
               fmt::format("{} requests, fewer than the status classes add up to ({})", s.requests, classes));
    return std::nullopt;
  }
  if (!(s.p50Ms <= s.p90Ms && s.p90Ms <= s.p99Ms)) {
    errors.add(r.pathOf("latency_ms"), fmt::format("percentiles out of order: p50 {} p90 {} p99 {}", s.p50Ms,
                                                   s.p90Ms, s.p99Ms));
    return std::nullopt;
  }
  return s;
}

bool readAgreeRows(gateway::JsonReader& top, std::string_view key, std::map<std::string, AgreeStats>& into,
                   gateway::FieldErrors& errors, bool& hasErrorKinds) {
  const nlohmann::json* rows = top.object(key);
  if (!rows) return !top.has(key);
  bool ok = true;
  for (const auto& [name, value] : rows->items()) {
    auto s = readAgreeStats(value, gateway::childPath(top.pathOf(key), name), errors, hasErrorKinds);
    if (s) into.emplace(name, std::move(*s));
    else ok = false;
  }
  return ok;
}

}  // namespace

std::optional<AgreeResult> readAgreeResult(const nlohmann::json& doc, gateway::FieldErrors& errors) {
  const std::size_t before = errors.size();
  gateway::JsonReader top(doc, "", errors);
  if (!top.isObject()) return std::nullopt;
  AgreeResult result;
  result.scenario = top.string("scenario").value_or("");
  result.seconds = top.number("simulated_s", 0, 1e9);
  if (!result.seconds) result.seconds = top.number("duration_s", 0, 1e9);
  if (const nlohmann::json* total = top.object("total", true)) {
    if (auto s = readAgreeStats(*total, top.pathOf("total"), errors, result.hasErrorKinds)) result.total = std::move(*s);
  }
  readAgreeRows(top, "routes", result.routes, errors, result.hasErrorKinds);
  result.hasGroups = doc.contains("groups");
  readAgreeRows(top, "groups", result.groups, errors, result.hasErrorKinds);
  if (errors.size() != before) return std::nullopt;
  return result;
}

std::optional<AgreeResult> readAgreeResultText(std::string_view text, gateway::FieldErrors& errors) {
  auto doc = gateway::parseJsonText(text, errors);
  if (!doc) return std::nullopt;
  return readAgreeResult(*doc, errors);
}

AgreeTolerances defaultAgreeTolerances() { return {{"2xx", 0.05}, {"429", 0.05}, {"p50", 0.20}}; }

namespace {

std::string_view trimAgreeSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool knownAgreeMetric(std::string_view key) {
  if (key == "errors") return true;
  const auto& c = agreeCountMetrics();
  const auto& l = agreeLatencyMetrics();
  return std::find(c.begin(), c.end(), key) != c.end() || std::find(l.begin(), l.end(), key) != l.end();
}

}  // namespace

bool parseAgreeTolerances(std::string_view spec, AgreeTolerances& into, std::string& why) {
  AgreeTolerances out = into;
  if (trimAgreeSpace(spec).empty()) {
    why = "empty tolerance list (give KEY=PERCENT, e.g. 2xx=5%,p50=20%)";
    return false;
  }
  std::size_t start = 0;
  while (start <= spec.size()) {
    const std::size_t comma = std::min(spec.find(',', start), spec.size());
    const std::string_view item = trimAgreeSpace(spec.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) {
      why = "an empty item in the list (two commas, or one at an end)";
      return false;
    }
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      why = fmt::format("\"{}\" is not KEY=PERCENT (e.g. 2xx=5%)", item);
      return false;
    }
    const std::string key(trimAgreeSpace(item.substr(0, eq)));
    const std::string_view value = trimAgreeSpace(item.substr(eq + 1));
    if (!knownAgreeMetric(key)) {
      why = fmt::format("unknown metric \"{}\" in \"{}\" (requests, 2xx, 3xx, 4xx, 429, 5xx, p50, p90, p99, errors)",
                        key, item);
      return false;
    }
    if (value == "off") {
      out.erase(key);
      continue;
    }
    std::string_view number = value;
    if (!number.empty() && number.back() == '%') number.remove_suffix(1);
    double percent = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), percent);
    if (number.empty() || ec != std::errc() || end != number.data() + number.size() || !std::isfinite(percent)) {
      why = fmt::format("\"{}\" in \"{}\" is not a percentage (5%, 0.5%) or off", value, item);
      return false;
    }
    if (percent < 0 || percent > 1000) {
      why = fmt::format("{} in \"{}\" is out of range (0% to 1000%)", value, item);
      return false;
    }
    out[key] = percent / 100.0;
  }
  into = std::move(out);
  return true;
}

std::string formatPercent(double fraction) {
  std::string s = fmt::format("{:.2f}", fraction * 100.0);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s + "%";
}

}  // namespace gwsim
