// An expectation parsed (parseExpectation: its metric and labels) and checked against the
// scenario it belongs to when the scenario loads: the route, client group, consumer or
// service it names must exist, and its labels must be ones its metric reads. A mistake is
// reported before anything runs, not as "no such metric" after a run of minutes.
#include <algorithm>
#include <cstdio>
// GCC 12 warns of maybe-uninitialized members inside libstdc++'s own regex automaton when it
// inlines it at -O1 (the asan tree); a known false positive in the header, not in this file.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop

#include <fmt/format.h>

#include "sim/report/run_result.h"
#include "sim/scenario/scenario.h"

namespace gwsim {

namespace {

std::string quotedList(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string out;
  const std::size_t shown = std::min<std::size_t>(names.size(), 12);
  for (std::size_t i = 0; i < shown; ++i) out += (i ? ", " : "") + fmt::format("\"{}\"", names[i]);
  if (shown < names.size()) out += fmt::format(" and {} more", names.size() - shown);
  return out;
}

std::string didYouMean(const std::string& name, const std::vector<std::string>& known) {
  std::size_t best = std::max<std::size_t>(2, name.size() / 3) + 1;
  std::string hint;
  for (const auto& k : known) {
    const auto d = gateway::editDistance(name, k);
    if (d < best) {
      best = d;
      hint = fmt::format(" (did you mean \"{}\"?)", k);
    }
  }
  return hint;
}

// The address gwsim gives client `c` of anonymous group `g`: 127.(g+1).(c/256).(c%256).
bool isClientAddress(const std::string& name, const Scenario& s) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  char tail = 0;
  if (std::sscanf(name.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4) return false;
  if (a != 127 || b > 255 || c > 255 || d > 255) return false;
  for (std::size_t g = 0; g < s.clients.size(); ++g) {
    if (((g + 1) & 255) != b) continue;
    if (s.clients[g].count > 65536 || ((c << 8) | d) < s.clients[g].count) return true;
  }
  return false;
}

std::vector<std::string> knownNames(const std::string& label, const Scenario& s) {
  std::vector<std::string> out;
  if (label == "group") {
    for (const auto& g : s.clients) out.push_back(g.name);
  } else if (label == "route") {
    for (const auto& r : s.gateway->routes) out.push_back(r.name);
    out.push_back(kUnrouted);
  } else if (label == "service") {
    for (const auto& sv : s.gateway->services) out.push_back(sv.name);
  } else if (label == "consumer") {
    for (const auto& c : s.gateway->consumers) out.push_back(c.id);
    for (const auto& g : s.clients) {
      if (!g.replay) continue;
      for (const auto& r : *g.replay) {
        if (!r.client.empty() && std::find(out.begin(), out.end(), r.client) == out.end()) out.push_back(r.client);
      }
    }
  }
  return out;
}

}  // namespace

std::optional<Expectation> parseExpectation(const std::string& text, std::string& error) {
  static const std::regex kPattern(R"(^\s*([a-z0-9_]+)\s*(\{([^}]*)\})?\s*(<=|>=|==|!=|<|>)\s*(-?[0-9]+(\.[0-9]+)?)\s*$)");
  std::smatch m;
  if (!std::regex_match(text, m, kPattern)) {
    error = "expected METRIC[{label=value,...}] OP NUMBER, like \"p99_ms{route=users} < 250\"";
    return std::nullopt;
  }
  Expectation e;
  e.text = text;
  e.metric = m[1];
  static const std::vector<std::string> kMetrics = {
      "requests", "throughput_rps", "rate_limited", "errors", "error_rate", "success_rate", "p50_ms", "p90_ms",
      "p99_ms", "p999_ms", "max_ms", "mean_ms", "retries", "jain_fairness", "overshoot", "limiter_delay_mean_ms",
      "offered", "admitted", "breaker_time_to_open_s", "breaker_time_to_recover_s", "breaker_false_trips",
      "breaker_transitions", "sent_while_failing", "bytes_to_clients", "mean_body_bytes", "upstream_requests",
      "upstream_saved", "partial_answers", "cache_hit_ratio", "cache_hits", "cache_misses", "cache_coalesced",
      "cache_stale_served", "fetches_per_stampede"};
  static const std::regex kStatus(R"(^status_([1-5]xx|[1-5][0-9][0-9])$)");
  if (std::find(kMetrics.begin(), kMetrics.end(), e.metric) == kMetrics.end() && !std::regex_match(e.metric, kStatus)) {
    std::string hint;
    std::size_t best = 4;
    for (const auto& k : kMetrics) {
      const auto d = gateway::editDistance(e.metric, k);
      if (d < best) {
        best = d;
        hint = fmt::format(" (did you mean \"{}\"?)", k);
      }
    }
    error = fmt::format("unknown metric \"{}\"{}", e.metric, hint.empty() ? " (requests, p99_ms, status_429, error_rate, ...)" : hint);
    return std::nullopt;
  }
  e.op = m[4];
  e.value = std::stod(m[5]);
  const std::string labels = m[3];
  std::size_t pos = 0;
  while (pos < labels.size()) {
    auto comma = labels.find(',', pos);
    if (comma == std::string::npos) comma = labels.size();
    const std::string pair = labels.substr(pos, comma - pos);
    const auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size()) {
      error = fmt::format("bad label \"{}\": expected name=value", pair);
      return std::nullopt;
    }
    auto trim = [](std::string x) {
      x.erase(0, x.find_first_not_of(' '));
      x.erase(x.find_last_not_of(' ') + 1);
      return x;
    };
    const std::string key = trim(pair.substr(0, eq));
    if (key != "route" && key != "group" && key != "consumer" && key != "service") {
      error = fmt::format("unknown label \"{}\" (route, group, consumer or service)", key);
      return std::nullopt;
    }
    e.labels[key] = trim(pair.substr(eq + 1));
    pos = comma + 1;
  }
  const bool serviceMetric =
      e.metric.rfind("breaker_", 0) == 0 || e.metric == "sent_while_failing" || e.metric == "upstream_requests";
  if (serviceMetric && e.labels.size() != e.labels.count("service")) {
    error = fmt::format("{} takes only a service label", e.metric);
    return std::nullopt;
  }
  if (!serviceMetric && e.labels.count("service")) {
    error = "the service label goes with breaker_*, sent_while_failing and upstream_requests metrics";
    return std::nullopt;
  }
  // Counted over the whole run (or per route, for the cache's): no group or consumer view.
  const bool runMetric = e.metric == "upstream_saved" || e.metric == "partial_answers" ||
                         e.metric == "fetches_per_stampede" || e.metric.rfind("cache_", 0) == 0;
  if (runMetric && (e.labels.count("group") || e.labels.count("consumer") ||
                    (e.metric.rfind("cache_", 0) != 0 && e.labels.count("route")))) {
    error = fmt::format("{} takes {}", e.metric, e.metric.rfind("cache_", 0) == 0 ? "only a route label" : "no label");
    return std::nullopt;
  }
  return e;
}

void checkExpectation(const Expectation& e, const Scenario& s, const std::string& path, gateway::FieldErrors& errors) {
  // RunResult::metric reads one of these labels and ignores the others: two would mislead.
  std::vector<std::string> selectors;
  for (const char* l : {"route", "group", "consumer"}) {
    if (e.labels.count(l)) selectors.push_back(l);
  }
  if (selectors.size() > 1) {
    errors.add(path, fmt::format("\"{}\": give one of route, group or consumer, not {} and {}", e.text, selectors[0],
                                 selectors[1]));
    return;
  }
  const bool perConsumer = e.metric == "offered" || e.metric == "admitted";
  if (perConsumer && !e.labels.count("consumer")) {
    errors.add(path, fmt::format("\"{}\": {} is counted per consumer; add {{consumer=ID}}", e.text, e.metric));
    return;
  }
  if (!perConsumer && e.labels.count("consumer")) {
    errors.add(path, fmt::format("\"{}\": the consumer label goes with offered and admitted", e.text));
    return;
  }
  if (e.metric == "fetches_per_stampede" && !s.stampede) {
    errors.add(path, fmt::format("\"{}\": the scenario has no \"stampede\" measure (its group, service and target)", e.text));
    return;
  }
  if (!s.gateway) return;  // the gateway config has errors of its own
  for (const auto& [label, name] : e.labels) {
    const auto known = knownNames(label, s);
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    if (label == "consumer" && isClientAddress(name, s)) continue;
    const std::string plural = label == "group" ? "client groups" : label + "s";
    errors.add(path, fmt::format("\"{}\": no {} \"{}\" in this scenario{}; its {}: {}{}", e.text,
                                 label == "group" ? "client group" : label, name, didYouMean(name, known), plural,
                                 quotedList(known),
                                 label == "consumer" ? " (or an anonymous client's address, 127.G.C.C)" : ""));
  }
}

}  // namespace gwsim
